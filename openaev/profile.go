package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Profile is the openaev wire profile as a runtime.Deliverer: its
// Received hook sends the reception and the first trace, Deliver the
// per-target traces and the terminal callback of a report, Rejected the reception and terminal
// INVALID_USAGE of an inject that will not run. It is also the
// outbox.Profile that transport/outbox.Deliverer makes durable, and the
// outbox.Poster that resends its stored callbacks. Safe for concurrent
// use.
type Profile struct {
	client     *Client
	log        *zap.Logger
	manifests  map[string]framework.Manifest // by injector name
	maxPayload int                           // largest body sent
	// received holds the injects whose reception the platform accepted:
	// a 404 on their terminal callback is a refusal of the token on a
	// platform that answers 404 for access denied (before 2.0.0), else
	// the inject deleted since.
	received *recentSet
	// reopened holds the injects the platform had finished that this
	// process runs again (Processor.Reopened): their "complete" leaves
	// out the findings the platform stores already.
	reopened *recentSet
	// unreportedSaid holds the "complete" bodies (inject id and hash)
	// whose inject the platform finalized without a result, said once
	// (sayUnreported).
	unreportedSaid *recentSet
	// unreadSeen is set by the first answer to a reception that cannot be
	// read (see earlier).
	unreadSeen atomic.Bool
	// notes are the "complete" callbacks delivered or attempted without
	// an answer, within the platform's ingestion window (ingestwindow.go).
	notes *completeNotes
	// callbackLevel is the level of the line of each terminal callback
	// delivered (WithCallbackLevel; INFO, the zero Level, by default).
	callbackLevel zapcore.Level
}

// Interface guards.
var (
	_ runtime.Deliverer       = (*Profile)(nil)
	_ runtime.Receiver        = (*Profile)(nil)
	_ runtime.Rejecter        = (*Profile)(nil)
	_ outbox.RejectionProfile = (*Profile)(nil)
	_ outbox.Redactor         = (*Profile)(nil)
)

// NewProfile returns the profile of the platform c speaks to, for the
// injectors of manifests (the contracts the platform knows: their outputs
// are the ones its terminal callbacks carry).
func NewProfile(c *Client, manifests []framework.Manifest, log *zap.Logger, opts ...ProfileOption) *Profile {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Profile{client: c, log: log, manifests: map[string]framework.Manifest{}, maxPayload: DefaultMaxPayloadSize,
		received: newRecentSet(recentInjects), reopened: newRecentSet(recentInjects),
		unreportedSaid: newRecentSet(recentInjects), notes: newCompleteNotes()}
	for _, m := range manifests {
		p.manifests[m.Name] = m
	}
	for _, o := range opts {
		o(p)
	}
	p.warnBrokerLimit()
	return p
}

// Received acknowledges a prepared inject: the reception (one refused for
// the token is an *AuthorizationError, one the platform refuses for good
// otherwise a *MessageError), then one INFO trace saying what runs on
// which targets, whose loss is logged, not fatal. Asset groups that gave
// no target are logged at WARN and named in the trace. It returns once
// the serve Handler's record of a first delivery's start, committed while
// they are posted, is durable (see Handler.startFirst): the run follows it.
func (p *Profile) Received(ctx context.Context, prep *runtime.Prepared) error {
	id := prep.Request.InjectID
	if err := p.receive(ctx, id); err != nil {
		return err
	}
	receivedNow(ctx) // the serve Handler's "running it" of a message handled again
	t := targetsOf(ctx)
	if t != nil && len(t.Barren) > 0 {
		// The first few named, the rest counted (skipList): one line
		// whatever the number of groups the message gives.
		p.log.Warn("asset groups gave no target", injectField(ctx, id), zap.Int("count", len(t.Barren)),
			zap.String("groups", skipList(t.Barren)))
	}
	if err := p.client.Trace(ctx, id, describeRun(prep.Request, t, p.maxPayload-traceEnvelope)); err != nil {
		// A lost trace loses nothing the terminal callback does not carry.
		p.log.Warn("trace not delivered", injectField(ctx, id), zap.Error(err))
	}
	// serve's record of a first delivery's start, durable before the run;
	// a panic recording it is the handling's (see Handler.startFirst).
	return startedNow(ctx)
}

// manifestOf returns the manifest a report's contract was generated from.
func (p *Profile) manifestOf(r *runtime.Report) *framework.Manifest {
	if pm, ok := p.manifests[r.Injector]; ok {
		// The contract was generated from this manifest: its outputs are
		// the ones the platform expects.
		return &pm
	}
	return r.Manifest
}

// terminalPlan plans the terminal callback of a report and the per-target
// traces that precede it on the wire, sending nothing: the outbox stores
// the terminal callback before the traces are sent (see Bodies). Once
// planned, the serve daemon handling ctx's message is told only its
// delivery is left (see executed): an error means neither store nor send.
func (p *Profile) terminalPlan(ctx context.Context, r *runtime.Report) (*plan, error) {
	m := p.manifestOf(r)
	v := p.client.Version(ctx)
	pl, err := p.plan(ctx, r, m, v)
	if err != nil {
		return nil, err
	}
	if err := executed(ctx); err != nil {
		return nil, err
	}
	pl.traces = p.targetTraces(r, m, v, pl.sentFindings())
	return pl, nil
}

// Deliver sends the report's per-target traces, then its terminal
// callback: the "complete" body, then the "data" bodies of the signatures
// that did not fit in it. It stops at the first failure, a *PartialError
// naming the bodies and the signature targets not delivered.
func (p *Profile) Deliver(ctx context.Context, r *runtime.Report) error {
	pl, err := p.terminalPlan(ctx, r)
	if err != nil {
		return err
	}
	if pl.traces != nil {
		pl.traces(ctx)
	}
	n := len(pl.sizes)
	for i, body := range pl.bodies() {
		if err = p.PostBody(ctx, r.InjectID, i, body); err == nil {
			continue
		}
		return &PartialError{Delivered: i, Total: n, Unsent: pl.unsent(i), Err: err, plan: pl}
	}
	return nil
}

// Bodies returns the report's terminal callback bodies, to keep in an
// outbox: the "complete" body, then the "data" bodies, each at most the
// max payload size. It sends nothing: the per-target traces are their
// Before hook, which the outbox runs once it stored every body, before
// posting the first, so that a process killed while it sends thousands of
// traces leaves the terminal callback stored, for a flush.
func (p *Profile) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	pl, err := p.terminalPlan(ctx, r)
	if err != nil {
		return outbox.Bodies{}, err
	}
	return p.outboxBodies(pl, r.InjectID), nil
}

// outboxBodies returns the bodies of plan pl of inject id, as Bodies
// keeps them.
func (p *Profile) outboxBodies(pl *plan, id string) outbox.Bodies {
	n := len(pl.sizes)
	base := p.client.platformURL()
	path := strings.TrimPrefix(p.client.callbackURL(id), base)
	return outbox.Bodies{N: n, Size: pl.size(), Unsent: pl.unsent, Before: pl.traces, Seq: func(yield func(outbox.Entry) bool) {
		for i, body := range pl.bodies() {
			phase := ActionComplete
			if i > 0 {
				phase = ActionData
			}
			if !yield(outbox.Entry{InjectID: id, Phase: phase, ChunkIndex: i, TotalChunks: n, BaseURL: base,
				Body: body, Profile: ProfileName, Path: path, InjectorID: p.client.cfg.InjectorID}) {
				return
			}
		}
	}}
}

// Rejected sends the reception of an inject that will not run, unless
// Received did, and its terminal INVALID_USAGE callback (ERROR when the
// cause is a platform request refused for good, such as asset-group
// paging answered 403 or 404; one that failed after every attempt sends
// nothing, see TargetsUnavailableError).
func (p *Profile) Rejected(ctx context.Context, rej *runtime.Rejection) error {
	b, err := p.RejectionBodies(ctx, rej)
	if err != nil || b.N == 0 {
		return err
	}
	for e := range b.Seq {
		err = p.PostBody(context.WithoutCancel(ctx), e.InjectID, e.ChunkIndex, e.Body)
	}
	return err
}

// RejectionBodies sends the reception of a rejected inject, unless
// Received did, and returns its terminal callback; none for a rejection
// without an inject id, or with one no callback URL may carry (".."
// would name another route).
func (p *Profile) RejectionBodies(ctx context.Context, rej *runtime.Rejection) (outbox.Bodies, error) {
	id := rej.Request.InjectID
	if checkInjectID(id) != nil {
		return outbox.Bodies{}, nil
	}
	if err := executed(ctx); err != nil {
		return outbox.Bodies{}, err // the next handling refuses it again
	}
	if !rej.Received {
		if err := p.receive(ctx, id); err != nil {
			return outbox.Bodies{}, err
		}
	}
	// A platform message's refusal names its fields as the message does
	// already (namedFields).
	e := rejection(rej.Err)
	e.Status = p.client.Version(ctx).TerminalStatus(e.Status)
	// The reason may quote what the message held: the body stays under
	// the max payload size, and never holds the token (a file given by
	// mistake may hold it), as the platform shows it to its users.
	e.Message = truncateEscaped(p.Redact(e.Message), messageRoom(p.maxPayload))
	body, err := json.Marshal(e)
	if err != nil {
		return outbox.Bodies{}, err
	}
	return p.stored(id, body), nil
}

// PostBody posts body index of inject id's terminal callback, as Bodies
// or RejectionBodies encoded it (a stored one when resent): the "complete"
// callback (index 0), or a "data" callback. A refusal of the token (401,
// 403, or, before OpenAEV 2.0.0, 404 on an inject received by this
// profile) is an *AuthorizationError, which an outbox keeps pending; from
// 2.0.0 on such a 404 is the inject deleted, refused for good. When another run of
// the same message may exist (Redelivered, AckLost), the platform is
// asked before each attempt of the "complete", and it is not sent once
// the platform shows the inject finished (see AckLost): delivered when the
// inject's traces show this very body taken (completeVerdict), else the
// signatures it carries go as a "data" callback instead, as a flush sends those of a
// stored "complete" found superseded (see ResendPoster): the run's
// traffic reached the targets, and its signatures the platform. While
// that "data" fails, its error is returned (an outbox keeps the
// "complete", which its resend finds superseded again).
func (p *Profile) PostBody(ctx context.Context, injectID string, index int, body []byte) error {
	superseded := p.postBody(ctx, injectID, index, body, mayHaveTwin)
	if !errors.Is(superseded, errSuperseded) {
		return superseded
	}
	_, err := p.postSupersededData(ctx, injectID, index, body, superseded)
	return err
}

// Delivers names what the profile delivers of a report, for the errors
// of its delivery (runtime.DeliveryOf): its result (a complete callback,
// per-target traces, data callbacks), which may carry no signature.
func (p *Profile) Delivers() string { return "result" }

// DeliveredAs names a successful delivery in the run's log (see
// runtime.Runtime): "delivered", or, without a platform (a dry run), what
// was done instead.
func (p *Profile) DeliveredAs() string { return p.client.sentAs() }

// Redact removes the platform token from s.
func (p *Profile) Redact(s string) string { return p.client.redact(s) }

// receive acknowledges inject id. A reception refused for the token
// (401, 403, or, before OpenAEV 2.0.0, 404 for a message the platform
// dispatched: see Dispatched) is an *AuthorizationError; one the platform refuses for
// good otherwise is a *MessageError; one that could not be delivered is
// returned naming the inject.
//
// An answer showing an earlier run's "complete" taken, or one that cannot
// be read (Receipt.Earlier), marks the inject reopened (Processor.Reopened):
// its "complete" leaves out the findings the platform stores.
func (p *Profile) receive(ctx context.Context, id string) error {
	r, err := p.client.Reception(ctx, id)
	if err == nil {
		p.received.add(id)
		p.earlier(ctx, id, r)
		return nil
	}
	var auth *AuthorizationError
	if errors.As(authorization(err, id, p.denial(ctx, err, dispatched(ctx)), p.client.cfg.Token == ""), &auth) {
		return fmt.Errorf("inject %s: reception: %w", id, auth)
	}
	if errors.Is(err, ErrPermanent) {
		me := &MessageError{InjectID: id, Reason: "the platform refused the reception: " + err.Error(), Err: err, Reception: true}
		p.statusless(ctx, me)
		return me
	}
	return &NotReceivedError{InjectID: id, Err: err}
}

// statusless reads inject id back after its reception was refused with a
// 404 (me): the platform answers so for an inject it does not know, and
// for one it holds without a status (OpenAEV 2.4.0, InjectApi.java:374:
// not dispatched yet, or its simulation reset since), which its GET
// answers with inject_status null (InjectState.Statusless). In that case
// me says so; a read that fails leaves me as it is.
func (p *Profile) statusless(ctx context.Context, me *MessageError) {
	var ae *APIError
	if !errors.As(me.Err, &ae) || ae.Status != http.StatusNotFound {
		return
	}
	if in, err := p.client.InjectState(ctx, me.InjectID); err == nil && in.Statusless {
		me.Statusless = true
		me.Reason += ": the inject exists on the platform without a status (GET /api/injects/{id} answers it " +
			"with inject_status null): the platform has not dispatched it (a scenario's inject before its simulation launches it, " +
			"or one whose simulation was reset since)"
	}
}

// rejection is the terminal callback of an inject that could not run:
// INVALID_USAGE, or ERROR when the cause is a platform request that failed
// (refused for good) rather than the inject itself, or the inject's runs
// ending the process (an *UnfinishedError, which says so itself).
func rejection(cause error) Execution {
	var ue *UnfinishedError
	if errors.As(cause, &ue) {
		return Execution{Message: "Inject not run again: " + ue.Error(), Status: StatusError, Action: ActionComplete}
	}
	reason := cause.Error()
	var me *MessageError
	if errors.As(cause, &me) {
		reason = me.Reason + me.at()
	}
	status := StatusInvalidUsage
	var ae *APIError
	if errors.As(cause, &ae) {
		status = StatusError
	}
	return Execution{Message: "Inject rejected: " + reason, Status: status, Action: ActionComplete}
}

// offered reports whether the contract of manifest offers the expectation
// type t (any type when there is no manifest or it declares none): a
// message's type it does not offer, which the runtime would refuse, is
// left out, as MANUAL is.
func offered(manifest *framework.Manifest, t signatures.ExpectationType) bool {
	return manifest == nil || len(manifest.Expectations) == 0 || slices.Contains(manifest.Expectations, t)
}
