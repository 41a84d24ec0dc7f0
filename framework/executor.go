package framework

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// Executor is the one thing an injector implements: act on the inject's
// targets and report what happened. Execute must honour ctx: when it is
// cancelled (deadline, signal) the executor stops, and returns what it has,
// with TimeoutInfo set. A returned ToolOutput is never an error to the
// runtime: failures are described in it (ErrorInfo, Status).
type Executor interface {
	Execute(ctx context.Context, cfg *Inject) ToolOutput
}

// The signatures types an injector needs, aliased so that an injector
// imports one package.
type (
	ToolOutput      = signatures.ToolOutput
	ErrorInfo       = signatures.ErrorInfo
	TimeoutInfo     = signatures.TimeoutInfo
	ExpectationType = signatures.ExpectationType
	Category        = signatures.Category
	TypeExtras      = signatures.TypeExtras
)

// Expectation types and categories, re-exported for injectors.
const (
	Detection     = signatures.Detection
	Prevention    = signatures.Prevention
	Vulnerability = signatures.Vulnerability

	Network  = signatures.Network
	Cloud    = signatures.Cloud
	External = signatures.External

	StatusSuccess = signatures.StatusSuccess
	StatusPartial = signatures.StatusPartial
	StatusFailed  = signatures.StatusFailed
	StatusTimeout = signatures.StatusTimeout
)

// Target is one target of an inject: its typed configuration and the
// platform metadata (agent, asset, asset group) its signature belongs to.
type Target struct {
	Config signatures.Config
	Meta   signatures.Target
}

// Network returns the target's network configuration, if it is one.
func (t Target) Network() (signatures.NetworkConfig, bool) {
	c, ok := t.Config.(signatures.NetworkConfig)
	return c, ok
}

// Cloud returns the target's cloud configuration, if it is one.
func (t Target) Cloud() (signatures.CloudConfig, bool) {
	c, ok := t.Config.(signatures.CloudConfig)
	return c, ok
}

// External returns the target's external configuration, if it is one.
func (t Target) External() (signatures.ExternalConfig, bool) {
	c, ok := t.Config.(signatures.ExternalConfig)
	return c, ok
}

// Inject is what an executor is asked to act on.
type Inject struct {
	// ID is the platform's inject id.
	ID string
	// Injector is the registered name of the executor.
	Injector string
	// Category is the category shared by every target.
	Category Category
	// Targets holds one entry per asset, in the order given. Results are
	// attributed back to targets by address or name, never by position.
	Targets []Target
	// ExpectationTypes are the expectations the platform will check.
	ExpectationTypes []ExpectationType
	// Params holds the decoded parameters: the value returned by the
	// executor's NewParams (a pointer to its own struct) when it implements
	// ParamsFactory, else a map[string]any.
	Params any
	// Log is a logger scoped with the injector and the inject id.
	Log *zap.Logger

	mu      sync.Mutex
	partial []string
	onPart  func(string)
}

// Partial reports one partial result as soon as it is known
// (for example "10.0.0.1:22/tcp open ssh"). If the run is cut short, every
// partial result reported so far is kept in the signatures. Safe for
// concurrent use.
func (in *Inject) Partial(result string) {
	in.mu.Lock()
	in.partial = append(in.partial, result)
	fn := in.onPart
	in.mu.Unlock()
	if fn != nil {
		fn(result)
	}
}

// PartialResults returns a copy of the partial results reported so far.
func (in *Inject) PartialResults() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.partial...)
}

// Logger returns the inject's scoped logger (never nil).
func (in *Inject) Logger() *zap.Logger {
	if in.Log == nil {
		return zap.NewNop()
	}
	return in.Log
}
