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
// as, by its name (a Duration in seconds and a Time in ISO 8601, as the
// daemon's JSON encoder writes them: see cli's encoderConfig).
var zapKinds = map[string]string{
	"String": "string", "Stringer": "string", "ByteString": "string", "NamedError": "string", "Time": "string",
	"Binary": "string", "Stack": "string", "StackSkip": "string",
	"Int": "number", "Int64": "number", "Int32": "number", "Int16": "number", "Int8": "number",
	"Uint": "number", "Uint64": "number", "Uint32": "number", "Uint16": "number", "Uint8": "number",
	"Float64": "number", "Float32": "number", "Duration": "number",
	"Bool":    "bool",
	"Strings": "array", "Ints": "array", "Int64s": "array", "Stringers": "array", "Errors": "array",
	"Durations": "array", "Bools": "array", "Times": "array", "Array": "array",
	"Object": "object", "Dict": "object", "Namespace": "object",
	// zap.Any and zap.Reflect write the value's own type: one name may
	// be a string on one line and a number or object on the next.
	"Any": "", "Reflect": "",
}

// encoderKinds is the JSON type each zapcore.ObjectEncoder method writes
// (a type's MarshalLogObject, inlined by zap.Inline or under
// zap.Object's key), by its name.
var encoderKinds = map[string]string{
	"AddString": "string", "AddByteString": "string", "AddTime": "string", "AddBinary": "string",
	"AddInt": "number", "AddInt64": "number", "AddInt32": "number", "AddUint": "number", "AddUint64": "number",
	"AddUint32": "number", "AddFloat64": "number", "AddDuration": "number",
	"AddBool": "bool", "AddArray": "array", "AddObject": "object", "AddReflected": "",
}

// TestLogFieldsKeepOneType checks that each field name the module's code
// logs (zap.String("status", …), zap.Int("attempt", …), zap.Error's
// "error", an ObjectEncoder's AddUint64(channelField, …), a key given
// as a package constant) is written as one JSON type wherever it is
// logged: a JSON log store that types a field from its first line
// (Elasticsearch's dynamic mapping) refuses the lines that give it
// another type, so that "status": 503 beside "status": "success" loses
// lines. A field whose type is its value's (zap.Any) fails on its own.
func TestLogFieldsKeepOneType(t *testing.T) {
	root := repoRoot(t)
	files := map[string][]*ast.File{} // by directory: a package and its constants
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
		files[filepath.Dir(path)] = append(files[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[string][]string{} // field, JSON type, where
	note := func(name, kind string, at token.Pos) {
		if kinds[name] == nil {
			kinds[name] = map[string][]string{}
		}
		p := fset.Position(at)
		rel, _ := filepath.Rel(root, p.Filename)
		kinds[name][kind] = append(kinds[name][kind], rel+":"+strconv.Itoa(p.Line))
	}
	for _, pkg := range files {
		consts := stringConsts(pkg)
		key := func(e ast.Expr) (string, bool) {
			switch e := e.(type) {
			case *ast.BasicLit:
				if e.Kind == token.STRING {
					s, err := strconv.Unquote(e.Value)
					return s, err == nil
				}
			case *ast.Ident:
				s, ok := consts[e.Name]
				return s, ok
			}
			return "", false
		}
		for _, f := range pkg {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				kind, known := encoderKinds[sel.Sel.Name]
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "zap" {
					if sel.Sel.Name == "Error" && len(call.Args) == 1 {
						note("error", "string", call.Pos()) // zap.Error(err)'s key
						return true
					}
					kind, known = zapKinds[sel.Sel.Name]
				}
				if len(call.Args) == 0 || !known {
					return true
				}
				name, ok := key(call.Args[0])
				if !ok {
					return true
				}
				if kind == "" {
					p := fset.Position(call.Pos())
					t.Errorf("log field %q at %s:%d is written with %s, whose JSON type is its value's: give it one", name, p.Filename, p.Line, sel.Sel.Name)
					return true
				}
				note(name, kind, call.Args[0].Pos())
				return true
			})
		}
	}
	if len(kinds["inject_id"]) == 0 || len(kinds["channel"]) == 0 {
		t.Fatal("no zap field (or no ObjectEncoder's) found: the walk reads nothing")
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

// stringConsts returns the string constants a package's files declare
// at their top level, by name.
func stringConsts(files []*ast.File) map[string]string {
	consts := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i >= len(vs.Values) {
						break
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if v, err := strconv.Unquote(lit.Value); err == nil {
							consts[n.Name] = v
						}
					}
				}
			}
		}
	}
	return consts
}
