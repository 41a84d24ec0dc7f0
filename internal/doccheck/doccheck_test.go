package doccheck

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDocs checks the Go blocks of README.md and docs/*.md (see the
// package doc for the rules).
func TestDocs(t *testing.T) {
	root := repoRoot(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append([]string{filepath.Join(root, "README.md")}, docs...)
	var blocks []block
	for _, d := range docs {
		bs, err := parseFile(root, d)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, bs...)
	}
	if !hasGuide(blocks) {
		t.Fatal("no Go block found in docs/writing-an-injector.md")
	}
	for _, err := range check(t, root, blocks) {
		t.Error(err)
	}
	kinds := map[string]int{}
	for _, b := range blocks {
		switch b.info {
		case "":
			kinds["compiled"]++
		case "fragment":
			kinds["fragments"]++
		default:
			kinds["from repository files"]++
		}
	}
	t.Logf("%d Go blocks in %d documents: %v", len(blocks), len(docs), kinds)
}

// TestCheckFails proves the check fails where it must: a block that does
// not compile, an excerpt that is not in its file, a whole-file copy that
// differs, an unmarked fragment, a block that is not gofmt'd.
func TestCheckFails(t *testing.T) {
	root := repoRoot(t)
	doc := strings.Join([]string{
		"# bad", // 1
		"```go", // 2: does not compile
		"package bad",
		"",
		"var x int = \"not an int\"",
		"```",
		"```go examples/hello/main.go", // 7: not a run of the file's lines
		"func main() { /* another main */ }",
		"```",
		"```go examples/hello/main.go", // 10: a package clause, but not the whole file
		"package main",
		"```",
		"```go", // 13: a fragment without its mark
		"x := 1",
		"```",
		"```go", // 16: not gofmt'd
		"package ugly",
		"var  y = 1",
		"```",
		"```go fragment", // 20: not checked
		"x := 1",
		"```",
		"```go", // 23: compiles
		"package good",
		"",
		"import \"github.com/injectkit/injectkit/framework\"",
		"",
		"var _ framework.Executor",
		"```",
	}, "\n") + "\n"
	blocks, err := parse("bad.md", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	errs := check(t, root, blocks)
	t.Logf("the errors the check reports:\n%v", errors.Join(errs...))
	var lines []string
	for _, err := range errs {
		lines = append(lines, strings.SplitN(err.Error(), ":", 3)[1])
	}
	if got, want := strings.Join(lines, ","), "2,7,10,13,16"; got != want {
		t.Errorf("errors on lines %s, want %s:\n%v", got, want, errors.Join(errs...))
	}
}

// block is one ```go block of a document.
type block struct {
	doc  string // the document, relative to the repository root
	line int    // the line of its opening fence
	info string // the words after ```go
	code string // its lines, each ending with a newline
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.doc, b.line) }

func hasGuide(blocks []block) bool {
	for _, b := range blocks {
		if b.doc == "docs/writing-an-injector.md" {
			return true
		}
	}
	return false
}

func parseFile(root, path string) ([]block, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return nil, err
	}
	return parse(filepath.ToSlash(rel), b)
}

// parse returns the ```go blocks of a Markdown document. A fence may be
// indented (in a list item): its indentation is removed from the block's
// lines.
func parse(doc string, md []byte) ([]block, error) {
	var out []block
	var cur *block
	var indent string
	sc := bufio.NewScanner(bytes.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```go") &&
			(len(trimmed) == 5 || trimmed[5] == ' '):
			indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			cur = &block{doc: doc, line: n, info: strings.TrimSpace(trimmed[5:])}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.code += strings.TrimPrefix(line, indent) + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: unterminated ```go block", cur)
	}
	return out, nil
}

var packageClause = regexp.MustCompile(`(?m)^package \w+`)

// complete reports whether code is a whole Go file: its first line that is
// neither blank nor a comment is a package clause.
func complete(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "//") {
			continue
		}
		return strings.HasPrefix(l, "package ")
	}
	return false
}

// check applies the rules to blocks and returns one error per bad block,
// each starting with "document:line:".
func check(t *testing.T, root string, blocks []block) []error {
	t.Helper()
	var errs []error
	var compile []block
	for _, b := range blocks {
		switch {
		case b.info == "fragment":
		case b.info != "":
			if err := checkExcerpt(root, b); err != nil {
				errs = append(errs, err)
			}
		case !complete(b.code):
			errs = append(errs, fmt.Errorf("%s: not a complete Go file: mark it ```go fragment, or name the file it is from (```go path/to/file.go)", b))
		default:
			f, err := format.Source([]byte(b.code))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: not Go: %v", b, err))
				continue
			}
			if string(f) != b.code {
				errs = append(errs, fmt.Errorf("%s: not gofmt'd", b))
				continue
			}
			compile = append(compile, b)
		}
	}
	errs = append(errs, vet(t, compile)...)
	sortErrs(errs)
	return errs
}

// checkExcerpt checks a block against the repository file its info string
// names.
func checkExcerpt(root string, b block) error {
	if strings.ContainsAny(b.info, " \t") || filepath.IsAbs(b.info) || strings.Contains(b.info, "..") {
		return fmt.Errorf("%s: info string %q: want fragment or one repository file path", b, b.info)
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(b.info)))
	if err != nil {
		return fmt.Errorf("%s: %v", b, err)
	}
	if packageClause.MatchString(b.code) {
		if b.code != string(src) {
			return fmt.Errorf("%s: holds a package clause but is not the whole of %s: copy the file again", b, b.info)
		}
		return nil
	}
	if !strings.Contains("\n"+string(src), "\n"+b.code) {
		return fmt.Errorf("%s: not a verbatim run of lines of %s: copy it again", b, b.info)
	}
	return nil
}

// vet writes each block into a package of its own under a temporary
// directory of this package (inside the module, so that it imports
// injectkit; its name starts with "_", so that ./... never sees it) and
// runs go vet on them all, attributing each error to its block.
func vet(t *testing.T, blocks []block) []error {
	t.Helper()
	if len(blocks) == 0 {
		return nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH: the code blocks cannot be compiled")
	}
	dir, err := os.MkdirTemp(".", "_blocks-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := []string{"vet"}
	pkgs := map[string]block{}
	for _, b := range blocks {
		pkg := filepath.Join(dir, fmt.Sprintf("line_%d_%s", b.line, strings.NewReplacer("/", "_", ".", "_").Replace(b.doc)))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		name := "block.go"
		if strings.Contains(b.code, "*testing.T") {
			name = "block_test.go"
		}
		if err := os.WriteFile(filepath.Join(pkg, name), []byte(b.code), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, "./"+filepath.ToSlash(pkg))
		pkgs[filepath.Base(pkg)] = b
	}
	cmd := exec.Command(gobin, args...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	byBlock := map[string][]string{}
	var unattributed []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		found := false
		for name, b := range pkgs {
			if !strings.Contains(l, name) {
				continue
			}
			found = true
			if !strings.HasPrefix(l, "# ") { // the package header of go vet
				byBlock[name] = append(byBlock[name], docPosition(l, name, b))
			}
			break
		}
		if !found {
			unattributed = append(unattributed, l)
		}
	}
	var errs []error
	for name, lines := range byBlock {
		errs = append(errs, fmt.Errorf("%s: does not compile:\n\t%s", pkgs[name], strings.Join(lines, "\n\t")))
	}
	if len(byBlock) == 0 {
		errs = append(errs, fmt.Errorf("go vet of the code blocks failed: %v\n%s", err, strings.Join(unattributed, "\n")))
	}
	return errs
}

// docPosition rewrites the position of a go vet message about the block
// written into package dir name, "…/name/block.go:3:13: …", as the
// document's, "docs/x.md:42:13: …".
func docPosition(msg, name string, b block) string {
	re := regexp.MustCompile(`\S*` + regexp.QuoteMeta(name) + `/block(?:_test)?\.go:(\d+)`)
	return re.ReplaceAllStringFunc(msg, func(m string) string {
		n := atoi(re.FindStringSubmatch(m)[1])
		return fmt.Sprintf("%s:%d", b.doc, b.line+n)
	})
}

// sortErrs orders errors by document and line.
func sortErrs(errs []error) {
	key := func(e error) (doc string, line int) {
		if parts := strings.SplitN(e.Error(), ":", 3); len(parts) == 3 {
			doc, line = parts[0], atoi(parts[1])
		}
		return doc, line
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		da, la := key(a)
		db, lb := key(b)
		return cmp.Or(strings.Compare(da, db), cmp.Compare(la, lb))
	})
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// readRepoFile reads the file at the path, below root, that elems join
// to, failing t when it cannot.
func readRepoFile(t *testing.T, root string, elems ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{root}, elems...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// repoRoot is the directory of the go.mod above the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// readerDocs returns the documents a reader types commands from: README.md,
// docs/*.md and each injector's README.md, in that order.
func readerDocs(t *testing.T, root string) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	readmes, err := filepath.Glob(filepath.Join(root, "injectors", "*", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]string{filepath.Join(root, "README.md")}, docs...), readmes...)
}
