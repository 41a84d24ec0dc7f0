package testkit

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ExportedFuncsUsedOutside fails t for each exported function (methods
// aside) of the package in the working directory that no production file
// of the module outside that directory uses: an exported name only tests
// or the package itself use belongs unexported, or in export_test.go, so
// that go doc describes what production uses (issue 14, point 12). A use
// is a selector <local name>.<Func> in a file importing the package.
// library names the functions kept for modules built outside this one
// that nothing in it uses yet; each must still be exported.
func ExportedFuncsUsedOutside(t testing.TB, library ...string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, module := moduleOf(t, dir)
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		t.Fatal(err)
	}
	importPath := module + "/" + filepath.ToSlash(rel)

	fset := token.NewFileSet()
	pkgName, exported := "", map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !isProductionGo(e.Name()) {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		pkgName = f.Name.Name
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() {
				exported[fd.Name.Name] = false
			}
		}
	}
	if len(exported) == 0 {
		t.Fatalf("no exported function found in %s", dir)
	}

	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir(), !isProductionGo(d.Name()), filepath.Dir(path) == dir:
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		markUses(f, importPath, pkgName, exported)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range library {
		if _, ok := exported[name]; !ok {
			t.Errorf("%s.%s is listed as library API but is no exported function", pkgName, name)
		}
	}
	var unused []string
	for name, used := range exported {
		if !used && !slices.Contains(library, name) {
			unused = append(unused, name)
		}
	}
	slices.Sort(unused)
	for _, name := range unused {
		t.Errorf("%s.%s is exported but no production code outside the package uses it: unexport it or move it to export_test.go", pkgName, name)
	}
}

func isProductionGo(name string) bool {
	return strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")
}

// markUses sets exported[name] for each <local>.<name> in f, local being
// the name f imports importPath under.
func markUses(f *ast.File, importPath, pkgName string, exported map[string]bool) {
	local := ""
	for _, s := range f.Imports {
		if p, err := strconv.Unquote(s.Path.Value); err != nil || p != importPath {
			continue
		}
		local = pkgName
		if s.Name != nil {
			local = s.Name.Name
		}
	}
	if local == "" || local == "_" || local == "." {
		return
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == local {
				if _, ok := exported[sel.Sel.Name]; ok {
					exported[sel.Sel.Name] = true
				}
			}
		}
		return true
	})
}

// moduleOf returns the directory holding the go.mod above dir and the
// module path it declares.
func moduleOf(t testing.TB, dir string) (root, module string) {
	t.Helper()
	for root = dir; ; root = filepath.Dir(root) {
		f, err := os.Open(filepath.Join(root, "go.mod"))
		if err == nil {
			defer f.Close()
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m, ok := strings.CutPrefix(sc.Text(), "module "); ok {
					return root, strings.TrimSpace(m)
				}
			}
			t.Fatalf("%s/go.mod declares no module", root)
		}
		if filepath.Dir(root) == root {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}
