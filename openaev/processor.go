package openaev

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// Processor is the intake of platform messages: it translates a message
// into a runtime.Request and runs it with Runtime.Run, whose deliverer is
// the openaev Profile (or the outbox decorator over it) and sends the
// reception, the trace and the terminal callback. Build it with
// NewProcessor; it is safe for concurrent use once built.
type Processor struct {
	// Injector, when set, runs every message with this injector whatever
	// its contract id (local debugging of a captured message).
	Injector string
	// MaxTargets is the most targets a message may give (0:
	// DefaultMaxTargets): manual targets, cloud regions, assets, or the
	// endpoints of its asset groups, counted before they are made. A
	// message giving more is refused with INVALID_USAGE naming the count
	// and the limit.
	MaxTargets int
	// Program is the name of the program that runs it (the CLI's app
	// name), in its refusals (default "injectkit").
	Program string

	rt        *runtime.Runtime
	profile   *Profile
	contracts map[string]string // contract id → injector name
	others    map[string]string // contract id → injector name, of the registry's injectors not served
	flights   inflight          // the messages being run, by inject id
}

// NewProcessor returns a Processor running messages through rt, whose
// deliverer must be profile, optionally decorated (outbox.Deliverer). Each
// injector of the profile's manifests is reached through its contract id
// (ContractID).
func NewProcessor(rt *runtime.Runtime, profile *Profile) *Processor {
	p := &Processor{rt: rt, profile: profile, contracts: map[string]string{}, others: map[string]string{}}
	for name := range profile.manifests {
		p.contracts[ContractID(name)] = name
	}
	for _, name := range rt.Injectors() {
		if _, served := profile.manifests[name]; !served {
			p.others[ContractID(name)] = name
		}
	}
	return p
}

// Reopened marks inject id as one the platform reported finished and
// that runs again all the same (--rerun-finished), or one whose earlier
// run's findings it may hold otherwise (a serve copy that waited for
// another; the reception's answer marks one too: see Receipt.Earlier):
// a "complete" repeating one would be dropped whole, so its "complete"
// leaves out those the platform already stores.
func (p *Processor) Reopened(injectID string) { p.profile.reopened.add(injectID) }

// Process runs one platform message. It returns nil once the terminal
// callback was delivered, whatever the tool's outcome.
//
// It returns a *MessageError for a message to reject without requeueing:
// malformed, without an inject id, naming an unknown contract, without
// targets, with bad targets or params. When the message named an inject
// id, the reception and a terminal INVALID_USAGE callback (ERROR when the
// platform refused for good a request it needed: asset-group paging
// answered 403 or 404) were delivered first.
//
// It returns a *TargetsUnavailableError, nothing sent, when the platform
// failed to list an asset group's members after every attempt (a 5xx, a
// 429, unreachable): the message is worth handling again.
//
// Any other error means the terminal callback (or the reception) could not
// be delivered: a *runtime.DeliveryError (a *runtime.StoredError in its
// chain when an outbox keeps the callback for a resend; errors.Is
// ErrRetriesExhausted, worth requeueing; ErrPermanent, refused for good),
// or ctx ended before the inject ran (errors.Is context.Canceled). Once the
// inject has run, a cancelled ctx does not stop its terminal callback: the
// run is reported as timed out.
func (p *Processor) Process(ctx context.Context, body []byte) error {
	return p.process(ctx, body, false)
}

// process is Process, the runtime logging the failures it returns unless
// callerLogs (runtime.Request.CallerLogs: the Handler's).
func (p *Processor) process(ctx context.Context, body []byte, callerLogs bool) error {
	m, err := ParseMessage(body)
	if err != nil {
		var me *MessageError
		if errors.As(err, &me) && me.InjectID != "" {
			p.logReceived(ctx, me.InjectID, "", "") // as a message of an unknown contract is
			return p.refuse(ctx, runtime.Request{InjectID: me.InjectID, CallerLogs: callerLogs}, me)
		}
		return err
	}
	return p.processMessage(ctx, m, callerLogs)
}

// logReceived logs the INFO "message received" of a message naming inject
// id, whether it runs or is refused (malformed, too large, of an unknown
// contract), with the injector its contract is served by, as the run's
// lines name it, and its contract id (each omitted when the message could
// not be read that far, the injector when none serves the contract).
func (p *Processor) logReceived(ctx context.Context, id, contract, injector string) {
	fields := []zap.Field{injectField(ctx, id)}
	if injector != "" {
		fields = append(fields, zap.String("injector", injector))
	}
	if contract != "" {
		fields = append(fields, zap.String("contract_id", contract))
	}
	if redelivered(ctx) {
		fields = append(fields, zap.Bool("sent_again", true))
	}
	p.profile.log.Info("message received", fields...)
}

// ProcessMessage runs a message ParseMessage decoded, as Process does.
//
// A redelivered message (ctx marked with Redelivered) of an inject this
// Processor is running does not run it a second time: it waits for that
// run and returns its outcome. The broker delivered the message again
// because the run's channel closed; the run goes on and reports the
// result, which settles the new delivery as it would have settled the
// first.
func (p *Processor) ProcessMessage(ctx context.Context, m *Message) error {
	return p.processMessage(ctx, m, false)
}

// processMessage is ProcessMessage, the runtime logging the failures it
// returns unless callerLogs (runtime.Request.CallerLogs: the Handler's).
func (p *Processor) processMessage(ctx context.Context, m *Message, callerLogs bool) (err error) {
	id := m.Injection.InjectID
	if fl := p.flights.running(id); fl != nil && redelivered(ctx) && !marked(ctx, markClaimed) {
		p.profile.log.Info("redelivered message of an inject this process is running: waiting for that run, whose outcome settles it",
			injectField(ctx, id))
		return fl.wait(ctx)
	}
	end := p.flights.start(id)
	defer func() {
		if v := recover(); v != nil {
			end(panicked(id, v))
			panic(v)
		}
		end(err)
	}()
	p.logReceived(ctx, id, shownID(m.Injection.ContractID()), p.injectorOf(m))
	req, targets, err := p.Translate(ctx, m)
	req.CallerLogs = callerLogs
	if err != nil && ctx.Err() != nil {
		// Stopped while paging asset groups: nothing ran; the message is
		// worth delivering again.
		return fmt.Errorf("inject %s: %w", id, ctx.Err())
	}
	if errors.Is(err, ErrRetriesExhausted) {
		// The platform failed to list an asset group's members: the
		// message is valid and a later try may succeed; the platform is
		// told nothing.
		return &TargetsUnavailableError{InjectID: id, Err: err}
	}
	if err != nil {
		req.InjectID = id
		err = contentFields(err, nil)
		return p.refuse(ctx, req, &MessageError{InjectID: id, Reason: err.Error(), Err: err})
	}
	req.NameRejection = namedFields(targets)
	err = p.run(context.WithValue(withAgents(withTargets(withSignatureTypes(ctx, m), targets), targets), markMessage, true), req)
	var pe *hook.PanicError
	if errors.As(err, &pe) {
		// The executor's Close panicked once its terminal callback was
		// delivered: the message is settled.
		p.profile.log.Error("injector panicked; its inject is settled", injectField(ctx, id), zap.Error(pe))
		return nil
	}
	return err
}

// RunRequest runs one inject request through the profile: reception,
// trace, execution, terminal callback. It returns nil once the terminal
// callback was delivered; a *MessageError (after a terminal INVALID_USAGE)
// when the request is invalid; a *hook.PanicError when the executor's
// Close panicked after it; otherwise the delivery error.
func (p *Processor) RunRequest(ctx context.Context, req runtime.Request) error {
	if err := checkInjectID(req.InjectID); err != nil {
		return err
	}
	return p.run(ctx, req)
}

// run runs a request, its targets' sources those of their traffic's family
// alone (runtime.Request.TrafficSources), and maps the outcome: nil once the terminal callback
// was delivered, the delivery error when it was not, a *MessageError for
// an inject refused (its rejection delivered).
func (p *Processor) run(ctx context.Context, req runtime.Request) error {
	req.TrafficSources = true // the collectors OR a signature's source addresses
	req.LogFields = logFields(ctx)
	_, err := p.rt.Run(ctx, req)
	var de *runtime.DeliveryError
	if errors.As(err, &de) {
		return de
	}
	var re *runtime.RequestError
	if errors.As(err, &re) {
		return &MessageError{InjectID: req.InjectID, Reason: err.Error(), Err: err}
	}
	return err
}

// refuse reports an inject refused before it had a valid request and
// returns me once that report was delivered.
func (p *Processor) refuse(ctx context.Context, req runtime.Request, me *MessageError) error {
	req.LogFields = logFields(ctx)
	if err := p.rt.Reject(ctx, req, me); err != nil {
		return err
	}
	return me
}

// Translate turns a message into an inject request: the injector of its
// contract, its targets with their platform metadata (network targets; an
// external query narrowed to them; cloud account regions, by the
// injector's category), its expectation types and the contract fields that
// are params of the injector, typed.
func (p *Processor) Translate(ctx context.Context, m *Message) (runtime.Request, *Selection, error) {
	in := m.Injection
	req := runtime.Request{InjectID: in.InjectID}
	name := p.Injector
	if name == "" {
		cid := in.ContractID()
		if cid == "" {
			return req, nil, &ValidationError{Field: "injection.inject_injector_contract.injector_contract_id", Reason: "required"}
		}
		var ok bool
		if name, ok = contractIn(p.contracts, cid); !ok {
			if other, known := contractIn(p.others, cid); known {
				return req, nil, &ValidationError{Field: "injection.inject_injector_contract.injector_contract_id", Value: cid,
					Reason: "the contract of " + p.program() + "'s " + other + " injector, not served by this deployment (--injectors " +
						strings.Join(p.servedNames(), ",") + ")"}
			}
			return req, nil, &ValidationError{Field: "injection.inject_injector_contract.injector_contract_id", Value: cid,
				Reason: "unknown contract (known: " + strings.Join(p.contractList(), ", ") + ")"}
		}
	}
	req.Injector = name
	var manifest *framework.Manifest
	if mf, ok := p.profile.manifests[name]; ok {
		manifest = &mf
	}
	var category framework.Category
	if manifest != nil {
		category = manifest.Category
	}
	hosts := &injectHosts{rt: p.rt, injector: name}
	targets, err := categoryTargets(ctx, m, category, p.pager(), hosts, p.maxTargets(), portsHint(name, manifest))
	if err != nil {
		return req, targets, err
	}
	req.Targets, req.Resolved = targets.Specs, hosts.found
	if err := checkAgents(targets); err != nil {
		return req, targets, err
	}
	types, err := in.expectationTypes()
	if err != nil {
		return req, targets, err
	}
	seen := map[signatures.ExpectationType]bool{}
	for _, s := range types {
		if t, err := signatures.ParseExpectationType(s); err == nil && !seen[t] && offered(manifest, t) {
			seen[t] = true
			req.ExpectationTypes = append(req.ExpectationTypes, string(t))
		}
	}
	// A message naming none (only MANUAL, an empty list) still runs with
	// the manifest's types; the profile sends no signature group of them
	// (withSignatureTypes).
	if len(req.ExpectationTypes) == 0 && manifest != nil {
		for _, t := range manifest.Expectations {
			req.ExpectationTypes = append(req.ExpectationTypes, string(t))
		}
	}
	if manifest != nil {
		if err := settingInContent(*manifest, in, p.program()); err != nil {
			return req, targets, err
		}
		for _, prm := range manifest.Params {
			raw, ok := in.Content[prm.Name]
			if !ok {
				continue
			}
			if err := paramKind(prm, raw); err != nil {
				return req, targets, manifest.WithholdParam(prm.Name, err)
			}
			s, err := in.contentString(prm.Name)
			if err != nil {
				return req, targets, manifest.WithholdParam(prm.Name, err)
			}
			if s == "" {
				continue // the platform's empty field: the default applies
			}
			v, err := manifest.ParseParam(prm.Name, s)
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
	return m.Injection.InjectID, p.injectorOf(m)
}

// injectorOf returns the injector a message's contract maps to, "" when
// unknown.
func (p *Processor) injectorOf(m *Message) string {
	if p.Injector != "" {
		return p.Injector
	}
	name, _ := contractIn(p.contracts, m.Injection.ContractID())
	return name
}

// contractIn returns the injector whose contract id is cid (SameContract)
// in contracts (contract id → injector name).
func contractIn(contracts map[string]string, cid string) (string, bool) {
	for id, name := range contracts {
		if SameContract(id, cid) {
			return name, true
		}
	}
	return "", false
}

// pager returns the client as a pager, or nil for a dry run.
func (p *Processor) pager() targetPager {
	if p.profile.client.dry != nil {
		return nil
	}
	return p.profile.client
}

// servedNames returns the names of the injectors served, sorted.
func (p *Processor) servedNames() []string {
	out := make([]string, 0, len(p.contracts))
	for _, name := range p.contracts {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func (p *Processor) contractList() []string {
	out := make([]string, 0, len(p.contracts))
	for id, name := range p.contracts {
		out = append(out, id+" ("+name+")")
	}
	sort.Strings(out)
	return out
}
