package framework_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/hook"
)

func TestRegistry(t *testing.T) {
	r := framework.NewRegistry()
	f := func() framework.Executor { return &frameworktest.Executor{} }
	r.Register("b", f)
	r.Register("a", f)
	if got := r.Names(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Names() = %v", got)
	}
	if ex, err := r.New("a"); err != nil || ex == nil {
		t.Errorf("New(a) = %v, %v", ex, err)
	}
	_, err := r.New("c")
	var ue *framework.UnknownInjectorError
	if !errors.As(err, &ue) || !reflect.DeepEqual(ue.Known, []string{"a", "b"}) || err.Error() != `unknown injector "c" (known: a, b)` {
		t.Errorf("New(c) error = %v", err)
	}
	for name, reg := range map[string]func(){
		"empty name":  func() { r.Register("", f) },
		"nil factory": func() { r.Register("x", nil) },
		"duplicate":   func() { r.Register("a", f) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			reg()
		})
	}
}

type panickingManifest struct{ frameworktest.Executor }

func (*panickingManifest) Manifest() framework.Manifest { panic("bug") }

// A panic of a factory or of Manifest is a *PanicError naming the
// injector and the method, never a crash of the caller.
func TestRegistryRecoversFactoryAndManifestPanics(t *testing.T) {
	r := framework.NewRegistry()
	r.Register("f", func() framework.Executor { panic("bug") })
	r.Register("m", func() framework.Executor { return &panickingManifest{} })
	_, err := r.New("f")
	var pe *hook.PanicError
	if !errors.As(err, &pe) || err.Error() != "injector f: its factory panicked: bug" {
		t.Errorf("New(f) error = %v", err)
	}
	ex, err := r.New("m")
	if err != nil {
		t.Fatalf("New(m) error = %v", err)
	}
	m, ok, err := r.Manifest("m", ex)
	if !errors.As(err, &pe) || !ok || m.Name != "m" || err.Error() != "injector m: Manifest panicked: bug" {
		t.Errorf("Manifest(m) = %v, %v, %v", m, ok, err)
	}
}

// Registry.Manifest names the manifest after the registered name; a caller that
// does not know it ("") gets the name Manifest gives.
func TestManifestName(t *testing.T) {
	ex := &frameworktest.Executor{}
	own := ex.Manifest().Name
	for _, tt := range []struct{ name, want string }{{"registered", "registered"}, {"", own}} {
		if m, ok, err := framework.NewRegistry().Manifest(tt.name, ex); err != nil || !ok || m.Name != tt.want {
			t.Errorf("Manifest(%q) = %q, %v, %v; want %q", tt.name, m.Name, ok, err, tt.want)
		}
	}
}

// factoryOnly has a ParamsFactory and no Manifester.
type factoryOnly struct{}

func (factoryOnly) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

type factoryOnlyParams struct {
	Port int    `json:"port"`
	Name string `json:"name"`
}

func (factoryOnly) NewParams() any { return &factoryOnlyParams{Port: 80} }

// The manifest of an injector with a ParamsFactory and no Manifester lists
// its struct's params: what run decodes against, the listing shows and the
// platform contract declares.
func TestManifestParamsFactory(t *testing.T) {
	m, ok, err := framework.NewRegistry().Manifest("bare", factoryOnly{})
	if err != nil || !ok || m.Name != "bare" {
		t.Fatalf("Manifest = %+v, %v, %v", m, ok, err)
	}
	var names []string
	for _, p := range m.Params {
		names = append(names, p.Name+"="+p.Default)
	}
	if got := strings.Join(names, ","); got != "port=80,name=" {
		t.Errorf("params %v, want port and name", names)
	}
}

// A name already registered is refused saying it is taken and by which
// names, not "Register called twice", which misled a binary registering
// its own injector once under a name builtin.Register had taken (tester
// t155).
func TestRegisterRefusesATakenName(t *testing.T) {
	f := func() framework.Executor { return &frameworktest.Executor{} }
	r := framework.NewRegistry()
	r.Register("noop", f)
	r.Register("nmap", f)
	defer func() {
		const want = `framework: Register: injector name "noop" is taken (registered: nmap, noop): register each injector once, ` +
			"under a name of its own (builtin.Register registers the reference injectors under theirs)"
		if v := recover(); fmt.Sprint(v) != want {
			t.Errorf("Register of a taken name panicked with %v, want %s", v, want)
		}
	}()
	r.Register("noop", f)
}

// A name that is not a command-line word is refused by Register, naming
// it: the help's example `injectkit run -x …` would fail.
func TestRegisterRefusesNamesThatAreNotCommandNames(t *testing.T) {
	f := func() framework.Executor { return &frameworktest.Executor{} }
	for _, name := range []string{"-x", "Port Check", "a/b", "Nmap", "1scan", "_x", "port.check", "é"} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				v := recover()
				if v == nil || !strings.Contains(fmt.Sprint(v), fmt.Sprintf("%q", name)) {
					t.Errorf("Register(%q) panic = %v, want one naming it", name, v)
				}
			}()
			framework.NewRegistry().Register(name, f)
		})
	}
	r := framework.NewRegistry()
	for _, name := range []string{"nmap", "bad_nan", "port-check", "a1"} {
		r.Register(name, f)
		if err := framework.ValidateInjectorName(name); err != nil {
			t.Errorf("ValidateInjectorName(%q) = %v", name, err)
		}
	}
}

// retyped is a scanner whose NewParams returns another type every other
// call: a registry's fields of one type are never used for the other.
type retyped struct {
	scanner
	n *int
}

type otherParams struct {
	Level string `json:"level" param:"enum=low|high"`
}

func (r retyped) NewParams() any {
	*r.n++
	if *r.n%2 == 0 {
		return &otherParams{Level: "low"}
	}
	return r.scanner.NewParams()
}

// A registry decodes an injector's params as DecodeParams does (the same
// value or the same error), its params struct's tags parsed once: a decode
// then allocates less than DecodeParams'.
func TestRegistryDecodeParams(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("scanner", func() framework.Executor { return scanner{} })
	reg.Register("mapped", func() framework.Executor { return mapped{} })
	n := 0
	reg.Register("retyped", func() framework.Executor { return retyped{n: &n} })
	for _, tc := range []struct {
		name     string
		injector string
		raw      map[string]any
	}{
		{"defaults but the token", "scanner", map[string]any{"token": "t"}},
		{"every param", "scanner", map[string]any{"token": "t", "mode": "slow", "port": 22, "wait": "2s"}},
		{"required missing", "scanner", map[string]any{"mode": "slow"}},
		{"not an enum value", "scanner", map[string]any{"token": "t", "mode": "quick"}},
		{"unknown param", "scanner", map[string]any{"token": "t", "speed": 1}},
		{"bad duration", "scanner", map[string]any{"token": "t", "wait": "soon"}},
		{"a map", "mapped", map[string]any{"a": 1}},
		{"another type, then the first", "retyped", map[string]any{"token": "t"}},
		{"the first type, then another", "retyped", map[string]any{"level": "high"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // derived, then taken as derived
				ex, err := reg.New(tc.injector)
				if err != nil {
					t.Fatal(err)
				}
				got, gotErr := reg.DecodeParams(tc.injector, ex, tc.raw)
				n-- // the same NewParams type for DecodeParams
				want, wantErr := framework.DecodeParams(ex, tc.raw)
				if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("Registry.DecodeParams = %#v, %v; DecodeParams = %#v, %v", got, gotErr, want, wantErr)
				}
			}
		})
	}
	ex, _ := reg.New("scanner")
	raw := map[string]any{"token": "t"}
	derived := testing.AllocsPerRun(20, func() { _, _ = reg.DecodeParams("scanner", ex, raw) })
	parsed := testing.AllocsPerRun(20, func() { _, _ = framework.DecodeParams(ex, raw) })
	if derived >= parsed {
		t.Errorf("Registry.DecodeParams allocates %v a decode, DecodeParams %v: the tags are parsed again", derived, parsed)
	}
}

// An unknown injector's name is quoted at most signatures.MaxQuoted bytes:
// an inject file's "injector" of 1 MB, or a pasted file given as the
// command line's injector, is named, not echoed whole on stderr.
func TestUnknownInjectorQuotesItsNameShortened(t *testing.T) {
	r := framework.NewRegistry()
	r.Register("nmap", func() framework.Executor { return &frameworktest.Executor{} })
	long := strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name, injector, want string
	}{
		{"short", "nmapp", `unknown injector "nmapp" (known: nmap)`},
		{"at the limit", strings.Repeat("y", 128), `unknown injector "` + strings.Repeat("y", 128) + `" (known: nmap)`},
		{"1 MiB", long, `unknown injector "` + strings.Repeat("x", 128) + `…" (known: nmap)`},
		{"cut inside a character", strings.Repeat("z", 127) + "é" + long, `unknown injector "` + strings.Repeat("z", 127) + `…" (known: nmap)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.New(tc.injector)
			var ue *framework.UnknownInjectorError
			if !errors.As(err, &ue) || ue.Name != tc.injector {
				t.Fatalf("New() error = %v, want an *UnknownInjectorError keeping the whole name", err)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("Error() = %.300q (%d bytes)\nwant     %.300q", got, len(got), tc.want)
			}
		})
	}
}
