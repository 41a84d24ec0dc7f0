package framework

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// Defaults of the runtime.
const (
	DefaultTimeout = 10 * time.Minute
	DefaultGrace   = 5 * time.Second
)

// Report is everything known about a finished inject, handed to a Deliverer.
type Report struct {
	InjectID string
	Injector string
	Phase    string
	Category Category
	Status   signatures.ExecutionStatus
	// Output is the executor's output as returned (after the runtime filled
	// in a timeout or a recovered panic).
	Output     ToolOutput
	Targets    []Target
	Signatures []signatures.Signature
	Types      []ExpectationType
	Started    time.Time
	Finished   time.Time

	metas []signatures.Target
}

// PayloadTargets streams the report's payload, one target at a time (see
// signatures.PayloadTargets: each yielded target is valid until the next).
func (r *Report) PayloadTargets() iter.Seq2[int, signatures.PayloadTarget] {
	seq, err := signatures.PayloadTargets(r.Signatures, r.metas, r.Types, r.Output.ExtraByType, r.Output.TargetExtras...)
	if err != nil { // checked when the report was built
		return func(func(int, signatures.PayloadTarget) bool) {}
	}
	return seq
}

// Payload materialises the report's whole payload. Large payloads are better
// streamed with PayloadTargets.
func (r *Report) Payload() signatures.Payload {
	p, err := signatures.BuildPayload(r.Signatures, r.metas, r.Types, r.Output.ExtraByType, r.Output.TargetExtras...)
	if err != nil { // checked when the report was built
		return signatures.Payload{}
	}
	return p
}

// Deliverer sends a report's signatures to where they belong.
type Deliverer interface {
	Deliver(ctx context.Context, r *Report) error
}

// DeliveryError reports a failed delivery; the report it failed to deliver
// is attached so that nothing is lost. When the deliverer kept the bodies
// in an outbox (a *StoredError), Outbox, Stored and Dead say where and how
// many.
type DeliveryError struct {
	Report *Report
	Err    error
	// Outbox is the path of the outbox holding the bodies, "" when none
	// was stored.
	Outbox string
	// Stored bodies wait in the outbox for a resend; Dead bodies were
	// rejected for good and wait in its dead list.
	Stored, Dead int
}

func (e *DeliveryError) Error() string { return "deliver signatures: " + e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Runtime runs injects through their whole lifecycle; see the package doc.
type Runtime struct {
	Registry  *Registry
	Deliverer Deliverer
	Log       *zap.Logger
	// Signatures compiles signatures (default: a Manager with Log).
	Signatures *signatures.Manager
	// Settings returns an injector's settings for its Configurer.
	Settings func(injector string) map[string]string
	// Timeout applies when a request names none (default DefaultTimeout).
	Timeout time.Duration
	// Grace is how long the runtime waits for Execute after its deadline
	// (default DefaultGrace).
	Grace time.Duration
	// Now is the clock used for durations (default time.Now).
	Now func() time.Time
}

func (rt *Runtime) log() *zap.Logger {
	if rt.Log == nil {
		return zap.NewNop()
	}
	return rt.Log
}

func (rt *Runtime) now() time.Time {
	if rt.Now == nil {
		return time.Now()
	}
	return rt.Now()
}

func (rt *Runtime) manager() *signatures.Manager {
	if rt.Signatures == nil {
		rt.Signatures = signatures.NewManager(signatures.WithLogger(rt.log()))
	}
	return rt.Signatures
}

// Prepared is a validated request, ready to execute.
type Prepared struct {
	Request  Request
	Executor Executor
	Manifest *Manifest
	Inject   *Inject
	Configs  []signatures.Config
	Types    []ExpectationType
	Timeout  time.Duration
}

// Prepare validates a request and builds everything Execute needs: typed
// configs, decoded params, the executor. Every error is a *RequestError.
func (rt *Runtime) Prepare(req Request) (*Prepared, error) {
	if rt.Registry == nil {
		return nil, errors.New("runtime: no registry")
	}
	if strings.TrimSpace(req.Injector) == "" {
		return nil, invalid("injector", req.Injector, "required")
	}
	ex, err := rt.Registry.New(req.Injector)
	if err != nil {
		return nil, &RequestError{Err: err}
	}
	p := &Prepared{Request: req, Executor: ex}
	if mf, ok := ex.(Manifester); ok {
		m := mf.Manifest()
		p.Manifest = &m
	}
	if req.Phase == "" {
		p.Request.Phase = DefaultPhase
	}
	if len(req.Targets) == 0 {
		return nil, invalid("targets", "", "at least one target is required")
	}
	types, err := parseTypes(req.ExpectationTypes)
	if err != nil {
		return nil, err
	}
	p.Types = types
	in := &Inject{ID: req.InjectID, Injector: req.Injector, ExpectationTypes: types}
	p.Configs = make([]signatures.Config, len(req.Targets))
	in.Targets = make([]Target, len(req.Targets))
	for i, spec := range req.Targets {
		c, err := spec.Config()
		if err != nil {
			return nil, &RequestError{Err: prefixField(fmt.Sprintf("targets[%d]", i), err)}
		}
		if i == 0 {
			in.Category = c.Category()
		} else if c.Category() != in.Category {
			return nil, invalid(fmt.Sprintf("targets[%d]", i), string(c.Category()),
				fmt.Sprintf("all targets must share one category (targets[0] is %s)", in.Category))
		}
		p.Configs[i] = c
		in.Targets[i] = Target{Config: c, Meta: spec.Meta()}
	}
	if p.Manifest != nil && p.Manifest.Category != "" && p.Manifest.Category != in.Category {
		return nil, invalid("targets", string(in.Category),
			fmt.Sprintf("injector %s takes %s targets", req.Injector, p.Manifest.Category))
	}
	if v, ok := ex.(TargetsValidator); ok {
		if err := v.ValidateTargets(in.Targets); err != nil {
			return nil, &RequestError{Err: err}
		}
	}
	if in.Params, err = decodeParams(ex, req.Params); err != nil {
		return nil, err
	}
	if v, ok := ex.(ParamsValidator); ok {
		if err := v.ValidateParams(in.Params); err != nil {
			return nil, &RequestError{Err: err}
		}
	}
	if c, ok := ex.(Configurer); ok {
		var settings map[string]string
		if rt.Settings != nil {
			settings = rt.Settings(req.Injector)
		}
		if err := c.Configure(settings); err != nil {
			return nil, &RequestError{Err: fmt.Errorf("configure %s: %w", req.Injector, err)}
		}
	}
	p.Timeout = time.Duration(req.Timeout)
	if p.Timeout <= 0 {
		p.Timeout = rt.Timeout
	}
	if p.Timeout <= 0 {
		p.Timeout = DefaultTimeout
	}
	p.Inject = in
	return p, nil
}

func parseTypes(raw []string) ([]ExpectationType, error) {
	if len(raw) == 0 {
		return []ExpectationType{signatures.Detection}, nil
	}
	seen := map[ExpectationType]bool{}
	var out []ExpectationType
	for i, s := range raw {
		t, err := signatures.ParseExpectationType(s)
		if err != nil {
			return nil, &RequestError{Err: prefixField(fmt.Sprintf("expectation_types[%d]", i), err)}
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

func prefixField(prefix string, err error) error {
	var ve *signatures.ValidationError
	if errors.As(err, &ve) {
		cp := *ve
		if cp.Field == "" || cp.Field == "target" {
			cp.Field = prefix
		} else {
			cp.Field = prefix + "." + cp.Field
		}
		return &cp
	}
	return fmt.Errorf("%s: %w", prefix, err)
}
