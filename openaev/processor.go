package openaev

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Processor runs platform messages end to end: parse, reception, target
// selection, trace, Runtime.Prepare and Runtime.Execute, terminal callback.
// Build it with NewProcessor; it is safe for concurrent use once built.
type Processor struct {
	Client  *Client
	Runtime *framework.Runtime
	Log     *zap.Logger
	// Injector, when set, runs every message with this injector whatever
	// its contract id (local debugging of a captured message).
	Injector string

	contracts map[string]string             // contract id → injector name
	manifests map[string]framework.Manifest // by injector name
}

// NewProcessor returns a Processor running the injectors of manifests, each
// reached through its contract id (ContractID). It gives rt a
// signatures manager when it has none, so that concurrent runs share one.
func NewProcessor(c *Client, rt *framework.Runtime, manifests []framework.Manifest, log *zap.Logger) *Processor {
	if log == nil {
		log = zap.NewNop()
	}
	if rt.Signatures == nil {
		rt.Signatures = signatures.NewManager(signatures.WithLogger(log))
	}
	p := &Processor{Client: c, Runtime: rt, Log: log,
		contracts: map[string]string{}, manifests: map[string]framework.Manifest{}}
	for _, m := range manifests {
		p.contracts[ContractID(m.Name)] = m.Name
		p.manifests[m.Name] = m
	}
	return p
}

// Process runs one platform message. It returns nil once the terminal
// callback was delivered, whatever the tool's outcome.
//
// It returns a *MessageError for a message to reject without requeueing:
// malformed, without an inject id, naming an unknown contract, without
// targets, with bad targets or params. When the message named an inject
// id, the reception and a terminal INVALID_USAGE callback (ERROR when a
// platform request failed, see reject) were delivered first.
//
// Any other error means the terminal callback (or the reception) could not
// be delivered: after retries (errors.Is ErrRetriesExhausted, worth
// requeueing), refused for good (errors.Is ErrPermanent), or ctx ended
// before the inject ran (errors.Is context.Canceled). Once the inject has
// run, a cancelled ctx does not stop its terminal callback: the run is
// reported as timed out.
func (p *Processor) Process(ctx context.Context, body []byte) error {
	m, err := ParseMessage(body)
	if err != nil {
		var me *MessageError
		if errors.As(err, &me) && me.InjectID != "" {
			if err := p.receive(ctx, me.InjectID); err != nil {
				return err
			}
			return p.reject(ctx, me.InjectID, me)
		}
		p.Log.Warn("message rejected", zap.Error(err))
		return err
	}
	id := m.Injection.InjectID
	p.Log.Info("message received", zap.String("inject_id", id), zap.String("contract_id", m.Injection.ContractID()))
	if err := p.receive(ctx, id); err != nil {
		return err
	}
	req, targets, err := p.Translate(ctx, m)
	if err != nil && ctx.Err() != nil {
		// Stopped while paging asset groups: nothing ran; the message is
		// worth delivering again.
		return fmt.Errorf("inject %s: %w", id, ctx.Err())
	}
	if err != nil {
		return p.reject(ctx, id, &MessageError{InjectID: id, Reason: err.Error(), Err: err})
	}
	return p.run(ctx, req, targets)
}

// RunRequest runs one inject request through the profile: reception,
// trace, execution, terminal callback. It returns nil once the terminal
// callback was delivered; a *MessageError (after a terminal INVALID_USAGE)
// when the request is invalid; otherwise the delivery error.
func (p *Processor) RunRequest(ctx context.Context, req framework.Request) error {
	if err := checkInjectID(req.InjectID); err != nil {
		return err
	}
	if err := p.receive(ctx, req.InjectID); err != nil {
		return err
	}
	return p.run(ctx, req, nil)
}

// receive acknowledges the inject. A reception the platform refuses for
// good is a *MessageError; one that could not be delivered is returned as
// it is.
func (p *Processor) receive(ctx context.Context, id string) error {
	err := p.Client.Reception(ctx, id)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrPermanent) {
		return &MessageError{InjectID: id, Reason: "the platform refused the reception: " + err.Error(), Err: err}
	}
	return fmt.Errorf("inject %s: %w", id, err)
}

// reject sends the terminal callback of an inject that could not run and
// returns me once it is delivered: INVALID_USAGE, or ERROR when the cause
// is a platform request that failed (asset-group paging) rather than the
// inject itself.
func (p *Processor) reject(ctx context.Context, id string, me *MessageError) error {
	p.Log.Warn("inject rejected", zap.String("inject_id", id), zap.String("reason", me.Reason))
	status := StatusInvalidUsage
	var ae *APIError
	if errors.As(me.Err, &ae) {
		status = StatusError
	}
	if err := p.complete(ctx, id, Execution{Message: "Inject rejected: " + me.Reason, Status: status,
		Action: ActionComplete}); err != nil {
		return err
	}
	return me
}

// complete delivers a terminal callback with a context that outlives the
// caller's cancellation, so that an interrupted run still reports.
func (p *Processor) complete(ctx context.Context, id string, e Execution) error {
	if err := p.Client.Callback(context.WithoutCancel(ctx), id, e); err != nil {
		return fmt.Errorf("inject %s: terminal callback: %w", id, err)
	}
	p.Log.Info("terminal callback delivered", zap.String("inject_id", id), zap.String("status", e.Status),
		zap.Int("duration_s", e.Duration))
	return nil
}

// Translate turns a message into an inject request: the injector of its
// contract, its targets with their platform metadata (network targets; an
// external query narrowed to them; cloud account regions, by the
// injector's category), its expectation types and the contract fields that
// are params of the injector, typed.
func (p *Processor) Translate(ctx context.Context, m *Message) (framework.Request, *Targets, error) {
	in := m.Injection
	req := framework.Request{InjectID: in.InjectID}
	name := p.Injector
	if name == "" {
		cid := in.ContractID()
		if cid == "" {
			return req, nil, &ValidationError{Field: "injection.inject_injector_contract.injector_contract_id", Reason: "required"}
		}
		var ok bool
		if name, ok = p.contracts[cid]; !ok {
			return req, nil, &ValidationError{Field: "injection.inject_injector_contract.injector_contract_id", Value: cid,
				Reason: "unknown contract (known: " + strings.Join(p.contractList(), ", ") + ")"}
		}
	}
	req.Injector = name
	var manifest *framework.Manifest
	if mf, ok := p.manifests[name]; ok {
		manifest = &mf
	}
	var category framework.Category
	if manifest != nil {
		category = manifest.Category
	}
	targets, err := categoryTargets(ctx, m, category, p.pager())
	if err != nil {
		return req, targets, err
	}
	req.Targets = targets.Specs
	types, err := in.expectationTypes()
	if err != nil {
		return req, targets, err
	}
	seen := map[signatures.ExpectationType]bool{}
	for _, s := range types {
		if t, err := signatures.ParseExpectationType(s); err == nil && !seen[t] {
			seen[t] = true
			req.ExpectationTypes = append(req.ExpectationTypes, string(t))
		}
	}
	if len(req.ExpectationTypes) == 0 && manifest != nil {
		for _, t := range manifest.Expectations {
			req.ExpectationTypes = append(req.ExpectationTypes, string(t))
		}
	}
	if manifest != nil {
		for _, prm := range manifest.Params {
			if _, ok := in.Content[prm.Name]; !ok {
				continue
			}
			s, err := in.contentString(prm.Name)
			if err != nil {
				return req, targets, err
			}
			if s == "" {
				continue // the platform's empty field: the default applies
			}
			v, err := framework.ParseParam(manifest, prm.Name, s)
			if err != nil {
				return req, targets, err
			}
			if req.Params == nil {
				req.Params = map[string]any{}
			}
			req.Params[prm.Name] = v
		}
	}
	return req, targets, nil
}

// Identify reads what a message names as far as it can: its inject id and
// the injector its contract maps to ("" when unknown). It sends nothing; a
// daemon uses it for logs and metrics before Process.
func (p *Processor) Identify(body []byte) (injectID, injector string) {
	m, err := ParseMessage(body)
	if err != nil {
		var me *MessageError
		if errors.As(err, &me) {
			return me.InjectID, ""
		}
		return "", ""
	}
	if p.Injector != "" {
		return m.Injection.InjectID, p.Injector
	}
	return m.Injection.InjectID, p.contracts[m.Injection.ContractID()]
}

// pager returns the client as a pager, or nil for a dry run.
func (p *Processor) pager() targetPager {
	if p.Client.dry != nil {
		return nil
	}
	return p.Client
}

func (p *Processor) contractList() []string {
	out := make([]string, 0, len(p.contracts))
	for id, name := range p.contracts {
		out = append(out, id+" ("+name+")")
	}
	sort.Strings(out)
	return out
}

// run prepares, traces, executes and completes one request whose reception
// was delivered.
func (p *Processor) run(ctx context.Context, req framework.Request, targets *Targets) error {
	id := req.InjectID
	prep, err := p.Runtime.Prepare(req)
	if err != nil {
		return p.reject(ctx, id, &MessageError{InjectID: id, Reason: err.Error(), Err: err})
	}
	if c, ok := prep.Executor.(framework.Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				p.Log.Warn("close executor", zap.String("injector", req.Injector), zap.Error(err))
			}
		}()
	}
	if err := p.Client.Trace(ctx, id, describeRun(req, targets)); err != nil {
		// A lost trace loses nothing the terminal callback does not carry.
		p.Log.Warn("trace not delivered", zap.String("inject_id", id), zap.Error(err))
	}
	report, err := p.Runtime.Execute(ctx, prep)
	if err != nil {
		var re *framework.RequestError
		if errors.As(err, &re) {
			return p.reject(ctx, id, &MessageError{InjectID: id, Reason: err.Error(), Err: err})
		}
		if err := p.complete(ctx, id, Execution{Message: "Execution failed: " + err.Error(), Status: StatusError,
			Action: ActionComplete}); err != nil {
			return err
		}
		return nil
	}
	// The contract was generated from the processor's manifest: its outputs
	// are the ones the platform expects.
	manifest := prep.Manifest
	if m, ok := p.manifests[req.Injector]; ok {
		manifest = &m
	}
	v := p.Client.Version(context.WithoutCancel(ctx))
	return p.complete(ctx, id, p.execution(report, manifest, v))
}

// execution builds the terminal callback of a report for a platform of
// version v.
func (p *Processor) execution(r *framework.Report, m *framework.Manifest, v PlatformVersion) Execution {
	status, msg := completion(r, m)
	e := Execution{Message: msg, Status: status, Action: ActionComplete,
		Duration: int(math.Round(r.Finished.Sub(r.Started).Seconds()))}
	if e.Duration < 0 {
		e.Duration = 0
	}
	out, err := StructuredOutput(r, m, v)
	if err != nil {
		// Findings that cannot be encoded: keep the signatures.
		p.Log.Error("findings not encodable; sending the signatures alone", zap.String("inject_id", r.InjectID), zap.Error(err))
		r2 := *r
		r2.Output.Findings = nil
		out, _ = StructuredOutput(&r2, m, v)
		e.Message += " (findings could not be encoded: " + err.Error() + ")"
	}
	if len(out.DroppedExtras) > 0 {
		p.Log.Debug("signature extras not sent: not collector signature types (kept in the findings)",
			zap.String("inject_id", r.InjectID), zap.Strings("extras", out.DroppedExtras))
	}
	e.OutputStructured = out.JSON
	return e
}
