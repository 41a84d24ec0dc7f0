package framework

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// Factory builds a new executor.
type Factory func() Executor

// Registry maps injector names to factories. It is a value: build one with
// NewRegistry and pass it where it is needed. Safe for concurrent use.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
	derived   map[string]*derived // by name: what is derived once from its executors
}

// derived holds what is derived once from the executors built under one
// name: its manifest (manifestOf, kept once derived without a panic) and
// its params struct's fields (by the type NewParams returned last).
type derived struct {
	manifest atomic.Pointer[manifestOK]
	params   atomic.Pointer[typeFields]
}

// typeFields are the params of a NewParams type (structFields).
type typeFields struct {
	t      reflect.Type
	fields []paramField
}

// manifestOK is manifestOf's manifest and ok.
type manifestOK struct {
	m  Manifest
	ok bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]Factory{}, derived: map[string]*derived{}}
}

// Register adds a factory under name. It panics when name is not an
// injector name (ValidateInjectorName: empty, "-x", "Port Check"…), the
// factory is nil or the name is taken: those are programming errors.
func (r *Registry) Register(name string, f Factory) {
	if name == "" {
		panic("framework: Register with an empty name")
	}
	if err := ValidateInjectorName(name); err != nil {
		panic("framework: Register: " + err.Error())
	}
	if f == nil {
		panic("framework: Register " + name + " with a nil factory")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		// "Register called twice" misled a binary that registered its own
		// injector once, under a name builtin.Register had taken (tester
		// t155): the message says the name is taken, by what, and what to do.
		panic(fmt.Sprintf("framework: Register: injector name %q is taken (registered: %s): register each injector once, "+
			"under a name of its own (builtin.Register registers the reference injectors under theirs)",
			name, strings.Join(slices.Sorted(maps.Keys(r.factories)), ", ")))
	}
	r.factories[name] = f
	r.derived[name] = &derived{}
}

// New builds the executor registered under name. An unknown name is an
// *UnknownInjectorError listing the known ones; a panic of the factory, a
// bug of the injector, is a *hook.PanicError naming it (method "its factory").
func (r *Registry) New(name string) (ex Executor, err error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, &UnknownInjectorError{Name: name, Known: r.Names()}
	}
	err = hook.Call(name, "its factory", func() error { ex = f(); return nil })
	return ex, err
}

// Manifest returns the manifest of ex, an executor New built under name:
// its Manifest, named name, and true; a manifest holding only the name and
// false when ex has no Manifester. A manifest listing no params of an
// executor that is a ParamsFactory gets those of its NewParams struct
// (ParamsSpec), and true: the params a run decodes values against, and
// the ones the injector's listing and its platform contract show. A panic
// of Manifest, a bug of the injector, is an error naming the injector and
// the method (a panic of NewParams, or a struct ParamsSpec refuses, leaves
// the params out: the runtime reports it when the injector runs).
//
// It is derived once per name: the params struct's tags are parsed by
// the first call, and later ones return that manifest (its slices and
// maps shared: read-only). A panic of Manifest is not kept: the next call
// derives it again. A name not registered here is derived each time; with
// name "" (a caller that does not know it, as frameworktest) the manifest
// keeps the name Manifest gives.
func (r *Registry) Manifest(name string, ex Executor) (Manifest, bool, error) {
	d := r.derivedOf(name)
	if d == nil {
		return manifestOf(name, ex)
	}
	if got := d.manifest.Load(); got != nil {
		return got.m, got.ok, nil
	}
	m, ok, err := manifestOf(name, ex)
	if err != nil {
		return m, ok, err
	}
	// Two first calls at once derive it twice: the first stored is kept.
	d.manifest.CompareAndSwap(nil, &manifestOK{m, ok})
	got := d.manifest.Load()
	return got.m, got.ok, nil
}

// DecodeParams is DecodeParams for ex, an executor New built under name,
// its params struct's tags parsed once per name (again when NewParams
// returns another type); a name not registered here parses them each
// time.
func (r *Registry) DecodeParams(name string, ex Executor, raw map[string]any) (any, error) {
	d := r.derivedOf(name)
	if d == nil {
		return DecodeParams(ex, raw)
	}
	params, err := decodeParams(ex, raw, func(t reflect.Type) []paramField {
		if got := d.params.Load(); got != nil && got.t == t {
			return got.fields
		}
		fields := structFields(t)
		d.params.Store(&typeFields{t, fields})
		return fields
	})
	if err != nil {
		return nil, withhold(ex, err)
	}
	return params, nil
}

// derivedOf returns what is derived from the executors registered under
// name, nil for a name not registered.
func (r *Registry) derivedOf(name string) *derived {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.derived[name]
}

// manifestOf derives the manifest Registry.Manifest returns.
func manifestOf(name string, ex Executor) (m Manifest, ok bool, err error) {
	if mf, isManifester := ex.(Manifester); isManifester {
		if err := hook.Call(name, "Manifest", func() error { m = mf.Manifest(); return nil }); err != nil {
			return Manifest{Name: name}, true, err
		}
		ok = true
	}
	if name != "" || !ok {
		m.Name = name
	}
	if pf, isFactory := ex.(ParamsFactory); isFactory && len(m.Params) == 0 {
		var spec []Param
		err := hook.Call(name, "NewParams", func() (err error) {
			spec, err = ParamsSpec(pf.NewParams())
			return err
		})
		if err == nil && len(spec) > 0 {
			m.Params, ok = spec, true
		}
	}
	return m, ok, nil
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.factories))
}

// UnknownInjectorError is Registry.New's error for a name no factory is
// registered under: a binary's main may branch on it (to list the names
// it knows, as the command line does).
// Its text quotes at most signatures.MaxQuoted bytes of Name, as a
// ValidationError quotes a value: a name of 1 MB (an inject file's
// "injector", a pasted file) is named, not echoed whole.
type UnknownInjectorError struct {
	Name  string   // the name asked for
	Known []string // the names registered
}

func (e *UnknownInjectorError) Error() string {
	return fmt.Sprintf("unknown injector %q (known: %s)", signatures.Shorten(e.Name, signatures.MaxQuoted), strings.Join(e.Known, ", "))
}
