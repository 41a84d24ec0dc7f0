package transport

import (
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

// The exported functions of the package are its production API: each is
// called by production code outside the package (cli, transport/outbox,
// transport/callback…), not only by tests, whose helpers live in
// export_test.go (issue 14, point 12). go doc then describes what
// production uses.
func TestExportedFuncsUsedByProduction(t *testing.T) {
	pending := map[string]bool{} // exported names allowed to wait: none

	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, f := range pkgs["transport"].Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.IsExported() && !pending[fd.Name.Name] {
				exported = append(exported, fd.Name.Name)
			}
		}
	}
	if len(exported) == 0 {
		t.Fatal("no exported function found")
	}

	// The module's production code outside this directory.
	var outside strings.Builder
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir(), !strings.HasSuffix(path, ".go"), strings.HasSuffix(path, "_test.go"), filepath.Dir(path) == "../transport":
			return nil
		}
		b, err := os.ReadFile(path)
		outside.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range exported {
		if !regexp.MustCompile(`\btransport\.` + name + `\b`).MatchString(outside.String()) {
			t.Errorf("transport.%s is exported but no production code outside the package calls it: unexport it or move it to export_test.go", name)
		}
	}
}
