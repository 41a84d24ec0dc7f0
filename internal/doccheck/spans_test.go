package doccheck

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocSpans checks the inline code of README.md and docs/*.md that
// names an injectkit API, `framework.MustParamsSpec` or
// `frameworktest.ConformanceWith(t, ex, frameworktest.Options{…})`: the
// package has the identifier, a Type.Member has that field or method, and a
// call passes as many arguments as the function takes.
func TestDocSpans(t *testing.T) {
	root := repoRoot(t)
	api, err := loadAPI(root)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		md, err := os.ReadFile(d)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, d)
		for _, s := range parseSpans(filepath.ToSlash(rel), md) {
			n++
			if err := api.check(s); err != nil {
				t.Error(err)
			}
		}
	}
	t.Logf("%d inline references to injectkit packages", n)
}

// TestDocSpansFail proves the span check fails where it must.
func TestDocSpansFail(t *testing.T) {
	api, err := loadAPI(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	md := "`frameworktest.Conformance(t, ex, frameworktest.Options{Params: p})` " + // a call: fine (variadic)
		"`frameworktest.ConformanceWith(t, frameworktest.Options{})` " + // one argument short
		"`framework.NoSuchThing` `frameworktest.Options.Parms` `frameworktest.Options.Params` `time.Duration`\n"
	var bad []string
	for _, s := range parseSpans("bad.md", []byte(md)) {
		if err := api.check(s); err != nil {
			bad = append(bad, s.text)
		}
	}
	want := "frameworktest.ConformanceWith(t, frameworktest.Options{}),framework.NoSuchThing,frameworktest.Options.Parms"
	if got := strings.Join(bad, ","); got != want {
		t.Errorf("refused %s, want %s", got, want)
	}
}

// span is one inline code span naming pkg.Name of an injectkit package.
type span struct {
	doc  string
	line int
	text string
}

var qualified = regexp.MustCompile(`^[*&]?([a-z]\w*)\.([A-Z]\w*)(?:\.([A-Z]\w*))?(\(.*\))?`)

// parseSpans returns the inline code spans of md outside code blocks that
// start with a qualified identifier.
func parseSpans(doc string, md []byte) []span {
	var out []span
	inBlock := false
	sc := bufio.NewScanner(bytes.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock {
			continue
		}
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(line, -1) {
			if qualified.MatchString(m[1]) {
				out = append(out, span{doc, n, m[1]})
			}
		}
	}
	return out
}

// pkgAPI is the exported API of one package: its identifiers, the members
// (fields, methods) of its types, and the parameters of its functions
// (-1-n for a variadic one of n).
type pkgAPI struct {
	idents  map[string]bool
	members map[string]map[string]bool
	arity   map[string]int
	embeds  map[string]bool // types that embed another: their members are not all known
}

type api map[string]*pkgAPI // by package name; nil when two packages share it

func (a api) check(s span) error {
	m := qualified.FindStringSubmatch(s.text)
	p, ok := a[m[1]]
	if !ok || p == nil {
		return nil // not an injectkit package (time.Duration), or ambiguous
	}
	switch {
	case !p.idents[m[2]]:
		return fmt.Errorf("%s:%d: `%s`: package %s has no %s", s.doc, s.line, s.text, m[1], m[2])
	case m[3] != "" && !p.members[m[2]][m[3]] && !p.embeds[m[2]]:
		return fmt.Errorf("%s:%d: `%s`: %s.%s has no field or method %s", s.doc, s.line, s.text, m[1], m[2], m[3])
	case m[3] == "" && m[4] != "":
		n, ok := p.arity[m[2]]
		got := countArgs(m[4])
		if ok && (n >= 0 && got != n || n < 0 && got < -n-2) {
			return fmt.Errorf("%s:%d: `%s`: %s.%s takes %s, not %d", s.doc, s.line, s.text, m[1], m[2], arityText(n), got)
		}
	}
	return nil
}

func arityText(n int) string {
	if n < 0 {
		return fmt.Sprintf("at least %d arguments", -n-2)
	}
	return fmt.Sprintf("%d arguments", n)
}

// countArgs counts the top-level arguments of "(a, f(b, c), T{d, e})".
func countArgs(call string) int {
	inner := strings.TrimSpace(call[1 : len(call)-1])
	if inner == "" {
		return 0
	}
	n, depth := 1, 0
	for _, r := range inner {
		switch r {
		case '(', '{', '[':
			depth++
		case ')', '}', ']':
			depth--
		case ',':
			if depth == 0 {
				n++
			}
		}
	}
	return n
}

// loadAPI parses the non-test files of every package of the module.
func loadAPI(root string) (api, error) {
	out := api{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
			return filepath.SkipDir
		}
		pkgs, err := parser.ParseDir(token.NewFileSet(), path, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for name, pkg := range pkgs {
			if _, seen := out[name]; seen {
				out[name] = nil
				continue
			}
			out[name] = exported(pkg)
		}
		return nil
	})
	return out, err
}

func exported(pkg *ast.Package) *pkgAPI {
	p := &pkgAPI{idents: map[string]bool{}, members: map[string]map[string]bool{}, arity: map[string]int{}, embeds: map[string]bool{}}
	member := func(typ, name string) {
		if p.members[typ] == nil {
			p.members[typ] = map[string]bool{}
		}
		p.members[typ][name] = true
	}
	for _, f := range pkg.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					t := d.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if g, ok := t.(*ast.IndexExpr); ok {
						t = g.X
					}
					if id, ok := t.(*ast.Ident); ok {
						member(id.Name, d.Name.Name)
					}
					continue
				}
				p.idents[d.Name.Name] = true
				n := 0
				for _, f := range d.Type.Params.List {
					n += max(1, len(f.Names))
				}
				if l := d.Type.Params.List; len(l) > 0 {
					if _, ok := l[len(l)-1].Type.(*ast.Ellipsis); ok {
						n = -n - 1 // -(n-1)-2: at least n-1 arguments
					}
				}
				p.arity[d.Name.Name] = n
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						p.idents[s.Name.Name] = true
						typeMembers(s, func(name string) { member(s.Name.Name, name) }, func() { p.embeds[s.Name.Name] = true })
					case *ast.ValueSpec:
						for _, n := range s.Names {
							p.idents[n.Name] = true
						}
					}
				}
			}
		}
	}
	return p
}

// typeMembers reports the fields of a struct type, the methods of an
// interface type, and whether either embeds another type.
func typeMembers(s *ast.TypeSpec, member func(string), embeds func()) {
	var fields *ast.FieldList
	switch t := s.Type.(type) {
	case *ast.StructType:
		fields = t.Fields
	case *ast.InterfaceType:
		fields = t.Methods
	default:
		return
	}
	for _, f := range fields.List {
		if len(f.Names) == 0 {
			embeds()
		}
		for _, n := range f.Names {
			member(n.Name)
		}
	}
}
