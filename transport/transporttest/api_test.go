package transporttest_test

import (
	"bytes"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// A module other than injectkit cannot import an internal package, so no
// exported name of transporttest may carry one in its type: not a
// parameter, a result, an exported or embedded field, nor a method
// promoted from an embedded field.
func TestAPINamesNoInternalType(t *testing.T) {
	const path = "github.com/injectkit/injectkit/transport/transporttest"
	pkg := exportData(t, path)
	w := apiWalker{pkg: pkg, seen: map[types.Type]bool{}}
	for _, name := range pkg.Scope().Names() {
		obj := pkg.Scope().Lookup(name)
		if !obj.Exported() {
			continue
		}
		w.visit(name, obj.Type())
	}
	for _, found := range w.found {
		t.Errorf("transporttest's API names an internal type: %s", found)
	}
}

// What a test of another module writes: scripted replies in, requests
// out, with no type of injectkit's internal packages to name.
func TestScriptedBackendFromOutside(t *testing.T) {
	be := transporttest.NewScriptedBackend(t, transporttest.Reply{Status: http.StatusServiceUnavailable})
	be.SetReply(transporttest.Reply{Status: http.StatusAccepted, Body: "ok"})
	codes := []int{}
	for range 2 {
		resp, err := http.Post(be.URL+"/cb", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	var reqs []transporttest.Request = be.Requests()
	if len(reqs) != 2 || codes[0] != 503 || codes[1] != 202 || reqs[1].Status != 202 || reqs[1].Path != "/cb" ||
		len(be.Answered()) != 1 || !be.Within(time.Minute, func() bool { return be.Len() == 2 }) {
		t.Errorf("answers %v, requests %+v", codes, reqs)
	}
}

// exportData returns the package at path as the compiler exported it.
func exportData(t *testing.T, path string) *types.Package {
	t.Helper()
	var out bytes.Buffer
	list := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}", path)
	list.Stdout, list.Stderr = &out, os.Stderr
	if err := list.Run(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := map[string]string{}
	for line := range strings.Lines(out.String()) {
		if p, file, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			files[p] = file
		}
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(p string) (io.ReadCloser, error) { return os.Open(files[p]) })
	pkg, err := imp.Import(path)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

// apiWalker collects the internal types an exported name reaches.
type apiWalker struct {
	pkg   *types.Package
	seen  map[types.Type]bool
	found []string
}

func (w *apiWalker) visit(where string, typ types.Type) {
	switch typ := typ.(type) {
	case *types.Alias:
		w.named(where, typ.Obj())
	case *types.Named:
		w.named(where, typ.Obj())
	}
	if w.seen[typ] {
		return
	}
	w.seen[typ] = true
	switch typ := typ.(type) {
	case *types.Alias:
		w.visit(where, types.Unalias(typ))
	case *types.Named:
		for arg := range typ.TypeArgs().Types() {
			w.visit(where, arg)
		}
		if typ.Obj().Pkg() != w.pkg {
			return // another package's own API: not this one's
		}
		methods := types.NewMethodSet(types.NewPointer(typ))
		for sel := range methods.Methods() {
			if sel.Obj().Exported() {
				w.visit(where+"."+sel.Obj().Name(), sel.Type())
			}
		}
		w.visit(where, typ.Underlying())
	case *types.Pointer:
		w.visit(where, typ.Elem())
	case *types.Slice:
		w.visit(where, typ.Elem())
	case *types.Array:
		w.visit(where, typ.Elem())
	case *types.Chan:
		w.visit(where, typ.Elem())
	case *types.Map:
		w.visit(where, typ.Key())
		w.visit(where, typ.Elem())
	case *types.Signature:
		for v := range typ.Params().Variables() {
			w.visit(where, v.Type())
		}
		for v := range typ.Results().Variables() {
			w.visit(where, v.Type())
		}
	case *types.Struct:
		for f := range typ.Fields() {
			if f.Exported() || f.Embedded() {
				w.visit(where+"."+f.Name(), f.Type())
			}
		}
	case *types.Interface:
		for m := range typ.Methods() {
			if m.Exported() {
				w.visit(where+"."+m.Name(), m.Type())
			}
		}
	}
}

func (w *apiWalker) named(where string, obj *types.TypeName) {
	if obj.Pkg() == nil {
		return
	}
	p := obj.Pkg().Path()
	if strings.HasPrefix(p, "internal/") || strings.Contains(p, "/internal/") || strings.HasSuffix(p, "/internal") {
		w.found = append(w.found, where+": "+p+"."+obj.Name())
	}
}
