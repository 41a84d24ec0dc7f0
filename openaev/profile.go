package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Profile is the openaev wire profile as a runtime.Deliverer: its
// Received hook sends the reception and the first trace, Deliver the one
// terminal callback of a report, Rejected the reception and terminal
// INVALID_USAGE of an inject that will not run. It is also the
// outbox.Profile that transport/outbox.Deliverer makes durable, and the
// outbox.Poster that resends its stored callbacks. Safe for concurrent
// use.
type Profile struct {
	client    *Client
	log       *zap.Logger
	manifests map[string]framework.Manifest // by injector name
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
func NewProfile(c *Client, manifests []framework.Manifest, log *zap.Logger) *Profile {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Profile{client: c, log: log, manifests: map[string]framework.Manifest{}}
	for _, m := range manifests {
		p.manifests[m.Name] = m
	}
	return p
}

// Received acknowledges a prepared inject: the reception (a reception the
// platform refuses for good is a *MessageError), then one INFO trace
// saying what runs on which targets, whose loss is logged, not fatal.
func (p *Profile) Received(ctx context.Context, prep *runtime.Prepared) error {
	id := prep.Request.InjectID
	if err := p.receive(ctx, id); err != nil {
		return err
	}
	if err := p.client.Trace(ctx, id, describeRun(prep.Request, targetsOf(ctx))); err != nil {
		// A lost trace loses nothing the terminal callback does not carry.
		p.log.Warn("trace not delivered", zap.String("inject_id", id), zap.Error(err))
	}
	return nil
}

// Deliver sends the report's terminal callback.
func (p *Profile) Deliver(ctx context.Context, r *runtime.Report) error {
	body, err := p.terminal(ctx, r)
	if err != nil {
		return err
	}
	return p.PostBody(ctx, r.InjectID, 0, body)
}

// Rejected sends the reception of an inject that will not run, unless
// Received did, and its terminal INVALID_USAGE callback (ERROR when the
// cause is a platform request that failed, such as asset-group paging).
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

// Bodies returns the report's terminal callback, to keep in an outbox.
func (p *Profile) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	body, err := p.terminal(ctx, r)
	if err != nil {
		return outbox.Bodies{}, err
	}
	return p.stored(r.InjectID, body), nil
}

// RejectionBodies sends the reception of a rejected inject, unless
// Received did, and returns its terminal callback; none for a rejection
// without an inject id.
func (p *Profile) RejectionBodies(ctx context.Context, rej *runtime.Rejection) (outbox.Bodies, error) {
	id := rej.Request.InjectID
	if id == "" {
		return outbox.Bodies{}, nil
	}
	if !rej.Received {
		if err := p.receive(ctx, id); err != nil {
			return outbox.Bodies{}, err
		}
	}
	body, err := json.Marshal(rejection(rej.Err))
	if err != nil {
		return outbox.Bodies{}, err
	}
	return p.stored(id, body), nil
}

// PostBody posts a terminal callback body of inject id, as Bodies or
// RejectionBodies encoded it (a stored one when resent).
func (p *Profile) PostBody(ctx context.Context, injectID string, _ int, body []byte) error {
	if err := p.client.postCallback(ctx, injectID, body, true); err != nil {
		return fmt.Errorf("inject %s: terminal callback: %w", injectID, err)
	}
	p.log.Info("terminal callback delivered", zap.String("inject_id", injectID))
	return nil
}

// Redact removes the platform token from s.
func (p *Profile) Redact(s string) string { return p.client.redact(s) }

// receive acknowledges inject id. A reception the platform refuses for
// good is a *MessageError; one that could not be delivered is returned
// naming the inject.
func (p *Profile) receive(ctx context.Context, id string) error {
	err := p.client.Reception(ctx, id)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrPermanent) {
		return &MessageError{InjectID: id, Reason: "the platform refused the reception: " + err.Error(), Err: err}
	}
	return fmt.Errorf("inject %s: %w", id, err)
}

// terminal encodes the terminal callback of a report for the platform's
// version.
func (p *Profile) terminal(ctx context.Context, r *runtime.Report) ([]byte, error) {
	m := r.Manifest
	if pm, ok := p.manifests[r.Injector]; ok {
		// The contract was generated from this manifest: its outputs are
		// the ones the platform expects.
		m = &pm
	}
	return json.Marshal(p.execution(r, m, p.client.Version(ctx)))
}

// execution builds the terminal callback of a report for a platform of
// version v.
func (p *Profile) execution(r *runtime.Report, m *framework.Manifest, v PlatformVersion) Execution {
	status, msg := completion(r, m)
	e := Execution{Message: msg, Status: status, Action: ActionComplete,
		Duration: int(math.Round(r.Finished.Sub(r.Started).Seconds()))}
	if e.Duration < 0 {
		e.Duration = 0
	}
	out, err := StructuredOutput(r, m, v)
	if err != nil {
		// Findings that cannot be encoded: keep the signatures.
		p.log.Error("findings not encodable; sending the signatures alone", zap.String("inject_id", r.InjectID), zap.Error(err))
		r2 := *r
		r2.Output.Findings = nil
		out, _ = StructuredOutput(&r2, m, v)
		e.Message += " (findings could not be encoded: " + err.Error() + ")"
	}
	if len(out.DroppedExtras) > 0 {
		p.log.Debug("signature extras not sent: not collector signature types (kept in the findings)",
			zap.String("inject_id", r.InjectID), zap.Strings("extras", out.DroppedExtras))
	}
	e.OutputStructured = out.JSON
	return e
}

// rejection is the terminal callback of an inject that could not run:
// INVALID_USAGE, or ERROR when the cause is a platform request that failed
// rather than the inject itself.
func rejection(cause error) Execution {
	reason := cause.Error()
	var me *MessageError
	if errors.As(cause, &me) {
		reason = me.Reason
	}
	status := StatusInvalidUsage
	var ae *APIError
	if errors.As(cause, &ae) {
		status = StatusError
	}
	return Execution{Message: "Inject rejected: " + reason, Status: status, Action: ActionComplete}
}

// targetsKey carries the targets a message was translated into, for the
// trace of Received.
type targetsKey struct{}

func withTargets(ctx context.Context, t *Targets) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, targetsKey{}, t)
}

func targetsOf(ctx context.Context) *Targets {
	t, _ := ctx.Value(targetsKey{}).(*Targets)
	return t
}
