package cli

import (
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
)

// injectorSet is every registered injector built once for one command
// line: its factory called once, its Manifest once, the first time a
// command needs them (an injector's NewExecutor may be costly or have
// side effects). Every check of a command before anything runs (the
// listings, the help's examples, the settings and secrets, the manifest
// checks, the params' types, serve's settings) reads it; the runtime
// builds the executor of each inject it runs or validates itself, afresh.
// NewApp makes one per application (Options.injectors).
type injectorSet struct {
	reg  *framework.Registry
	once sync.Once
	// built are the injectors by name; ms their manifests, by name, but
	// the broken ones' (their factory or Manifest panicked), in broken.
	built  map[string]builtInjector
	ms     []framework.Manifest
	broken []*hook.PanicError

	closeOnce sync.Once // closeExecutors'
	// hooked are the names of the executors a check configured or
	// preflighted (callHook): those closeExecutors closes.
	mu     sync.Mutex
	hooked map[string]bool
}

// builtInjector is one injector as the set built it: its executor (nil
// when its factory panicked), its manifest (framework.Registry.Manifest; ok when
// it has one and Manifest did not panic), and the panic of its factory or
// Manifest, a *hook.PanicError naming it and the method.
type builtInjector struct {
	ex  framework.Executor
	m   framework.Manifest
	ok  bool
	err error
}

// newInjectorSet returns the set of reg's injectors, built when first
// read. A nil reg has none.
func newInjectorSet(reg *framework.Registry) *injectorSet { return &injectorSet{reg: reg} }

func (s *injectorSet) load() {
	s.once.Do(func() {
		s.built = map[string]builtInjector{}
		if s.reg == nil {
			return
		}
		for _, name := range s.reg.Names() {
			var b builtInjector
			b.ex, b.err = s.reg.New(name)
			if b.err == nil {
				var has bool
				if b.m, has, b.err = s.reg.Manifest(name, b.ex); b.err == nil {
					b.ok = has
					s.ms = append(s.ms, b.m)
				}
			}
			var pe *hook.PanicError
			if errors.As(b.err, &pe) {
				s.broken = append(s.broken, pe)
			}
			s.built[name] = b
		}
		sort.Slice(s.ms, func(i, j int) bool { return s.ms[i].Name < s.ms[j].Name })
	})
}

// manifests returns the manifest of every injector that can give one, by
// name; the other commands and injectors work without the broken ones.
func (s *injectorSet) manifests() []framework.Manifest {
	s.load()
	return slices.Clone(s.ms)
}

// brokenInjectors returns the panics of the broken injectors' factory or
// Manifest, by name.
func (s *injectorSet) brokenInjectors() []*hook.PanicError {
	s.load()
	return s.broken
}

// get returns the injector registered under name, false when none is.
func (s *injectorSet) get(name string) (builtInjector, bool) {
	s.load()
	b, ok := s.built[name]
	return b, ok
}

// names returns the names of the registered injectors, sorted.
func (s *injectorSet) names() []string {
	if s.reg == nil {
		return nil
	}
	return s.reg.Names()
}

// unknown is the error of a name no injector is registered under.
func (s *injectorSet) unknown(name string) error {
	return &framework.UnknownInjectorError{Name: name, Known: s.names()}
}

// executor returns the executor registered under name for a command that
// runs or shows it: an unknown name is a usage error (exit 2), a panic of
// its factory or Manifest exits 3 naming the injector and the method, as
// a panic of its other methods does; a manifest framework.ValidateManifest
// refuses exits 2 (check).
func (s *injectorSet) executor(name string) (framework.Executor, error) {
	b, ok := s.get(name)
	var pe *hook.PanicError
	switch {
	case !ok:
		return nil, &ExitError{Code: ExitUsage, Err: s.unknown(name)}
	case errors.As(b.err, &pe):
		return nil, &ExitError{Code: ExitFailed, Err: pe}
	case b.err != nil:
		return nil, &ExitError{Code: ExitUsage, Err: b.err}
	}
	if err := s.check(name); err != nil {
		return nil, err
	}
	return b.ex, nil
}

// callHook calls fn, the hook method of the executor registered under
// name (hook.Call), for a check outside the runtime, and keeps
// name for closeExecutors.
func (s *injectorSet) callHook(name, method string, fn func() error) error {
	s.mu.Lock()
	if s.hooked == nil {
		s.hooked = map[string]bool{}
	}
	s.hooked[name] = true
	s.mu.Unlock()
	return hook.Call(name, method, fn)
}

// closeExecutors closes, once, each executor of the set that is a
// framework.Closer and that a check configured or preflighted (callHook),
// in the order of their names: serve's start configures
// (checkSettings) and preflights (warnPreflight) them outside the
// runtime, validate preflights one, and a Closer may hold what its
// Configure opened, as the runtime closes the executor it builds for
// each inject. A panic of Close is a *hook.PanicError naming the
// injector; the errors are joined. The executors still give their
// manifests afterwards; their hooks are not called again.
func (s *injectorSet) closeExecutors() error {
	var errs []error
	s.closeOnce.Do(func() {
		s.load()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, name := range slices.Sorted(maps.Keys(s.hooked)) {
			if c, ok := s.built[name].ex.(framework.Closer); ok {
				errs = append(errs, hook.Call(name, "Close", c.Close))
			}
		}
	})
	return errors.Join(errs...)
}

// check refuses, whatever the profile and before anything runs or is
// sent, the injector registered under name whose manifest
// framework.ValidateManifest refuses (an expectation type unknown or
// declared twice, an output or setting declared twice, a reserved output,
// a setting named like a param), or whose params differ from its
// NewParams struct's (drift.Params): exit 2 naming the
// injector, the field or param and the values (manifestError). A name not registered, or whose factory
// or Manifest panics, is its caller's to report (executor, the runtime).
func (s *injectorSet) check(name string) error {
	if b, ok := s.get(name); ok && b.err == nil && b.ok {
		return manifestError(b)
	}
	return nil
}

// paramsManifest is what --param values are decoded against: the
// manifest of the injector registered under name (framework.Registry.Manifest:
// its params derived from its NewParams struct when it lists none), nil
// when it has none. A panic of Manifest is the runtime's to report (exit
// 3).
func (b builtInjector) paramsManifest() *framework.Manifest {
	if b.err != nil || !b.ok {
		return nil
	}
	m := b.m
	return &m
}
