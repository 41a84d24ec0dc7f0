package doccheck

import (
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPackageTable checks that README.md's package table names every
// package of the module: in its first column (`transport/`, `cli/`,
// `internal/benchfloor`), or, for a command below a package, in that
// package's row by its whole path (`openaev/openaevtest/cmd/openaev-standin`),
// which a reader can build or run as written: its path under the package
// alone (`cmd/openaev-standin`) reads as a directory of the repository's
// root, which does not exist. And that each path of its first column is a
// package of the module: a row left behind by a package moved or removed
// sends a newcomer to a directory that is not there.
func TestPackageTable(t *testing.T) {
	root := repoRoot(t)
	readme := readRepoFile(t, root, "README.md")
	rows := packageRows(string(readme))
	if len(rows) == 0 {
		t.Fatal("README.md has no package table (| package | owns |)")
	}
	pkgs := goPackages(t, root)
	var missing []string
	for _, dir := range pkgs {
		if !slices.ContainsFunc(rows, func(r packageRow) bool { return r.names(dir) }) {
			missing = append(missing, dir)
		}
	}
	if len(missing) > 0 {
		t.Errorf("README.md's package table does not name %s", strings.Join(missing, ", "))
	}
	for _, r := range rows {
		for _, p := range r.paths {
			if !slices.Contains(pkgs, p) {
				t.Errorf("README.md's package table names `%s`, no package of the module", p)
			}
		}
	}
}

// packageRow is one row of the package table: the paths of its first
// column, without a trailing slash, and the text of the others.
type packageRow struct {
	paths []string
	owns  string
}

// names reports whether the row names dir: one of its paths, or, for a
// directory under one of them, its whole path written in its text.
func (r packageRow) names(dir string) bool {
	for _, p := range r.paths {
		if dir == p {
			return true
		}
		if strings.HasPrefix(dir, p+"/") && strings.Contains(r.owns, "`"+dir+"`") {
			return true
		}
	}
	return false
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

// packageRows returns the rows of the table that starts with the header
// "| package | owns |", up to the first line that is no table row.
func packageRows(md string) []packageRow {
	_, table, ok := strings.Cut(md, "\n| package | owns |\n")
	if !ok {
		return nil
	}
	var rows []packageRow
	for line := range strings.Lines(table) {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.SplitN(strings.Trim(strings.TrimSpace(line), "|"), "|", 2)
		if len(cells) < 2 {
			continue
		}
		var r packageRow
		for _, m := range codeSpan.FindAllStringSubmatch(cells[0], -1) {
			r.paths = append(r.paths, strings.TrimSuffix(m[1], "/"))
		}
		r.owns = cells[1]
		rows = append(rows, r)
	}
	return rows
}

// goPackages returns the directories under root, slash-separated, that
// hold a Go file other than a test, but those of testdata and hidden
// folders.
func goPackages(t *testing.T, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel != "." && !slices.Contains(dirs, rel) {
			dirs = append(dirs, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dirs
}
