package runtime

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// Defaults of the runtime.
const (
	DefaultTimeout = 10 * time.Minute
	DefaultGrace   = 5 * time.Second
)

// Runtime runs injects through their whole lifecycle (see the package
// doc). Build it with New: it is immutable afterwards and safe for
// concurrent Runs, which share its signatures manager.
type Runtime struct {
	registry  *framework.Registry
	deliverer Deliverer
	observer  Observer
	progress  *progressConfig // nil: no snapshots (WithProgress)
	log       *zap.Logger
	sigs      *signatures.Manager
	settings  func(injector string) map[string]string
	timeout   time.Duration
	grace     time.Duration
	now       func() time.Time
	logRedact func(string) string // WithLogRedaction
	weak      *sync.Map           // the weak Secret settings (injector.key) warned of: one WARN each
	checked   bool                // WithCheckPass
	secretEnv func() []string     // secretEnvOf the registry, read once
	// ownSecretEnv are the caller's secrets' variables (WithSecretEnv).
	ownSecretEnv []string
	stepLevel    zapcore.Level // WithStepLevel; INFO, the zero Level, by default
}

// Option configures a Runtime.
type Option func(*Runtime)

// WithDeliverer sets where reports go (default: nowhere; Run returns the
// report undelivered).
func WithDeliverer(d Deliverer) Option { return func(rt *Runtime) { rt.deliverer = d } }

// WithObserver sets the observer of executions and deliveries.
func WithObserver(o Observer) Option { return func(rt *Runtime) { rt.observer = o } }

// WithLogger sets the logger (default: none).
func WithLogger(l *zap.Logger) Option { return func(rt *Runtime) { rt.log = l } }

// WithSignatures sets the signatures manager (default: a Manager with the
// runtime's logger).
func WithSignatures(m *signatures.Manager) Option { return func(rt *Runtime) { rt.sigs = m } }

// WithSettings sets the source of an injector's settings, handed to its
// Configurer (default: none).
func WithSettings(f func(injector string) map[string]string) Option {
	return func(rt *Runtime) { rt.settings = f }
}

// WithTimeout sets the deadline of a request that names none (default
// DefaultTimeout; 0 keeps it).
func WithTimeout(d time.Duration) Option { return func(rt *Runtime) { rt.timeout = d } }

// WithGrace sets how long the runtime waits for Execute after its
// deadline (default DefaultGrace; 0 keeps it).
func WithGrace(d time.Duration) Option { return func(rt *Runtime) { rt.grace = d } }

// WithCheckPass says that the requests this runtime runs passed a check
// pass first: Runtime.Validate, on another runtime of the same process
// over the same settings (the CLI's run checks each inject so before
// anything is opened or sent, then runs it on a runtime of its own).
// What that pass warned of once, a weak value of a Secret setting
// (framework.Setting.WeakSecret), is then not warned of again. The
// checks themselves are all made again: a run refuses what it refuses.
func WithCheckPass() Option { return func(rt *Runtime) { rt.checked = true } }

// WithClock sets the clock of durations and reports (default time.Now).
func WithClock(now func() time.Time) Option { return func(rt *Runtime) { rt.now = now } }

// New returns a Runtime running the injectors of reg, its defaults
// resolved once. It panics on a nil registry, a programming error.
func New(reg *framework.Registry, opts ...Option) *Runtime {
	if reg == nil {
		panic("runtime: New with a nil registry")
	}
	rt := &Runtime{registry: reg, weak: &sync.Map{}}
	for _, o := range opts {
		o(rt)
	}
	own := rt.ownSecretEnv
	rt.secretEnv = sync.OnceValue(func() []string { return secretEnvOf(reg, own) })
	if rt.log == nil {
		rt.log = zap.NewNop()
	}
	if rt.sigs == nil {
		rt.sigs = signatures.NewManager(signatures.WithLogger(rt.log))
	}
	if rt.observer == nil {
		rt.observer = noObserver{}
	}
	if rt.settings == nil {
		rt.settings = func(string) map[string]string { return nil }
	}
	if rt.timeout <= 0 {
		rt.timeout = DefaultTimeout
	}
	if rt.grace <= 0 {
		rt.grace = DefaultGrace
	}
	if rt.now == nil {
		rt.now = time.Now
	}
	return rt
}

type noObserver struct{}

func (noObserver) OnExecuted(*Report, time.Duration, error)  {}
func (noObserver) OnDelivered(*Report, time.Duration, error) {}

// injectLog returns the runtime's logger scoped to one request: its
// inject_id, injector and LogFields.
func (rt *Runtime) injectLog(req Request) *zap.Logger {
	// The injector's name is cut as an error quotes it (an unknown one is
	// the caller's input, of any length), the inject id past the longest
	// a valid one is (a refused one is too).
	fields := append([]zap.Field{zap.String("inject_id", signatures.Shorten(req.InjectID, signatures.MaxIDLength)),
		zap.String("injector", signatures.Shorten(req.Injector, signatures.MaxQuoted))}, req.LogFields...)
	return rt.log.With(fields...)
}

// Injectors returns the names of the injectors of its registry, sorted.
func (rt *Runtime) Injectors() []string { return rt.registry.Names() }

// LookupHosts resolves the host names of an inject's targets before its
// run, for an intake that judges them (openaev skips an asset whose name
// resolves only to loopback: a scan of it would reach the injector's own
// host), as the run's route sources resolve them
// (signatures.Manager.LookupHosts: the runtime's resolver, several at
// once, all within one lookup timeout). Only the names of an injector
// whose executor acts on its targets' addresses are resolved: one that is
// a framework.DirectSender, whatever SendsToTargets will say of the
// inject's params; for any other injector (noop, an API query), or one
// the registry cannot build, nothing is looked up and it returns nil.
// Give what it returns as the request's Resolved: the run does not look
// those names up again.
func (rt *Runtime) LookupHosts(ctx context.Context, injector string, names []string) map[string][]netip.Addr {
	if len(names) == 0 || !rt.sendsToTargets(injector) {
		return nil
	}
	return rt.sigs.LookupHosts(ctx, names)
}

// sendsToTargets reports whether the executor of injector is a
// framework.DirectSender, built from the registry as a run builds it
// (closed again if it is a framework.Closer); an unknown injector, or one
// whose factory panics, is not.
func (rt *Runtime) sendsToTargets(injector string) bool {
	ex, err := rt.registry.New(injector)
	if err != nil {
		return false
	}
	if c, ok := ex.(framework.Closer); ok {
		_ = hook.Call(injector, "Close", c.Close) // built only to be asked: the run builds, closes and reports its own
	}
	_, ok := ex.(framework.DirectSender)
	return ok
}
