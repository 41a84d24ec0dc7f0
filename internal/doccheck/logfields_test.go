package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// zapKinds is the JSON type each zap field constructor writes a value
// as, by its name (a Duration in seconds, as the daemon's JSON encoder
// writes it).
var zapKinds = map[string]string{
	"String": "string", "Stringer": "string", "ByteString": "string", "Error": "string", "NamedError": "string",
	"Int": "number", "Int64": "number", "Int32": "number", "Uint64": "number", "Uint32": "number", "Uint": "number",
	"Float64": "number", "Duration": "number",
	"Bool":    "bool",
	"Strings": "array", "Ints": "array", "Int64s": "array", "Stringers": "array", "Errors": "array",
}

// TestLogFieldsKeepOneType checks that each field name the module's code
// logs (zap.String("status", …), zap.Int("attempt", …)) is written as one
// JSON type wherever it is logged: a JSON log store that types a field
// from the first line it sees (Elasticsearch's dynamic mapping) refuses
// the lines that give it another type, so that "status": 503 beside
// "status": "success" loses lines.
func TestLogFieldsKeepOneType(t *testing.T) {
	root := repoRoot(t)
	kinds := map[string]map[string][]string{} // field, JSON type, where
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			if d != nil && d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "zap" {
				return true
			}
			kind, ok := zapKinds[sel.Sel.Name]
			if !ok {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			name, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if kinds[name] == nil {
				kinds[name] = map[string][]string{}
			}
			rel, _ := filepath.Rel(root, path)
			kinds[name][kind] = append(kinds[name][kind], rel+":"+strconv.Itoa(fset.Position(lit.Pos()).Line))
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kinds["inject_id"]) == 0 {
		t.Fatal("no zap field found: the walk reads nothing")
	}
	for name, by := range kinds {
		if len(by) < 2 {
			continue
		}
		var say []string
		for kind, where := range by {
			say = append(say, kind+" at "+strings.Join(where, ", "))
		}
		sort.Strings(say)
		t.Errorf("log field %q is written as %d JSON types: %s", name, len(by), strings.Join(say, "; "))
	}
}
