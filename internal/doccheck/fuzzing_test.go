package doccheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fuzzRow is a row of docs/fuzzing.md's table of targets: | `pkg` | `FuzzX` | …
var fuzzRow = regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `(Fuzz[A-Za-z0-9_]+)` \\|")

// fuzzFunc is a fuzz target's declaration in a _test.go file.
var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz[A-Za-z0-9_]+)\(`)

// TestFuzzingTargets checks docs/fuzzing.md's table of targets (its
// section "## The targets") against the module's fuzz targets: each has
// its row, under its package's directory, and each row names a target
// there. The campaigns' tables after it, which name targets in the same
// first two columns, are records, not the list.
func TestFuzzingTargets(t *testing.T) {
	root := repoRoot(t)
	doc := readRepoFile(t, root, "docs", "fuzzing.md")
	table, ok := section(string(doc), "## The targets")
	if !ok {
		t.Fatal("docs/fuzzing.md has no section ## The targets")
	}
	listed := map[string]bool{}
	for _, m := range fuzzRow.FindAllStringSubmatch(table, -1) {
		listed[m[1]+" "+m[2]] = true
	}
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(b), -1) {
			found = append(found, filepath.ToSlash(rel)+" "+m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) == 0 {
		t.Fatal("no fuzz target found in the module")
	}
	for _, k := range found {
		if !listed[k] {
			t.Errorf("docs/fuzzing.md has no row for %s (| `pkg` | `FuzzX` | input | oracle |)", k)
		}
	}
	for k := range listed {
		if !slices.Contains(found, k) {
			t.Errorf("docs/fuzzing.md lists %s, no fuzz target of the module", k)
		}
	}
}
