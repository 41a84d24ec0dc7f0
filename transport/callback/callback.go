// Package callback is the default wire profile as a runtime.Deliverer: a
// report's payload encoded by package transport and POSTed, chunked as the
// size limit requires, to {base}/api/injects/{inject_id}/callback
// (Deliverer), or printed, body by body, when no backend is configured
// (Printer). Deliverer is also the outbox.Profile that
// transport/outbox.Deliverer makes durable. The package owns no wire
// format of its own: it maps a runtime.Report onto transport's; and it
// says, in that form, what of a report a failed delivery did not deliver
// (Undelivered), for a run that keeps it nowhere to print.
package callback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Deliverer POSTs a report's payload to the backend callback.
type Deliverer struct {
	Client *transport.Client
}

// Interface guards.
var (
	_ runtime.Deliverer  = Deliverer{}
	_ runtime.Receiver   = Deliverer{}
	_ outbox.Profile     = Deliverer{}
	_ outbox.KeyedPoster = Deliverer{}
	_ outbox.Redactor    = Deliverer{}
	_ runtime.Deliverer  = Printer{}
	_ runtime.Receiver   = Printer{}
)

// Received checks, before the inject runs, that its report can be sent:
// the inject id and phase can be written into a callback's URL and
// Idempotency-Key, the client's size limit holds a body with one target,
// and each target, as little as it will ever weigh
// (runtime.Prepared.LeastPayloadTargets), fits in one body. It sends
// nothing. A failure is a *runtime.RequestError, so the run is refused
// like any invalid request: nothing runs, nothing is stored.
func (d Deliverer) Received(_ context.Context, p *runtime.Prepared) error {
	room, err := d.Client.Room(p.Request.InjectID, p.Request.Phase)
	return received(p, room, err, func() error {
		_, err := d.Client.Encode(p.Request.InjectID, p.Request.Phase, p.LeastPayloadTargets())
		return err
	})
}

// Deliver sends the payload, chunked as the client's limit requires and
// cut to fit it as Encode says, each body with the client's retries; a
// failure is a *transport.TransmissionError saying which chunks were
// delivered.
func (d Deliverer) Deliver(ctx context.Context, r *runtime.Report) error {
	enc, err := d.encode(r)
	if err != nil {
		return err
	}
	_, err = d.Client.SendEncoded(ctx, enc)
	return err
}

// Bodies encodes the payload into the bodies to keep in an outbox, each
// recorded with the client's base URL.
func (d Deliverer) Bodies(_ context.Context, r *runtime.Report) (outbox.Bodies, error) {
	enc, err := d.encode(r)
	if err != nil {
		return outbox.Bodies{}, err
	}
	n, base := enc.Len(), d.Client.BaseURL()
	entries := func(bodies iter.Seq2[int, []byte]) iter.Seq[outbox.Entry] {
		return func(yield func(outbox.Entry) bool) {
			for i, b := range bodies {
				if !yield(outbox.Entry{InjectID: r.InjectID, Phase: r.Phase, ChunkIndex: i, TotalChunks: n, BaseURL: base, Body: b}) {
					return
				}
			}
		}
	}
	return outbox.Bodies{N: n, Size: size(enc), Seq: entries(enc.Bodies()),
		SeqInto: func(alloc func(int) []byte) iter.Seq[outbox.Entry] { return entries(enc.BodiesInto(alloc)) }}, nil
}

// encode encodes the payload, once per delivery (Deliver, or Bodies for
// an outbox), as Encode does with the client's size limit, and logs what
// was cut to fit (see warnCut) with the client's logger.
func (d Deliverer) encode(r *runtime.Report) (*transport.Encoding, error) {
	return encodeReport(r, d.Client.Logger(), func(n int, rng signatures.PayloadRange) (*transport.Encoding, error) {
		return d.Client.EncodeRange(r.InjectID, r.Phase, n, rng)
	})
}

// warnPartialsLeftOut logs one WARN when the encoding cut a timed-out
// run's partial results to fit the size limit: each cut target says so in
// its partial results, but the run's log would otherwise not.
func warnPartialsLeftOut(log *zap.Logger, injectID string, enc *transport.Encoding) {
	n, targets := enc.PartialsLeftOut()
	if n == 0 || log == nil {
		return
	}
	log.Warn("partial results left out to fit the max payload size", zap.String("inject_id", injectID),
		zap.Int("partial_results_left_out", n), zap.Int("targets", targets), zap.Int("max_payload_size", enc.MaxPayloadSize()))
}

// size returns the bytes of the bodies of enc, the room they need in an
// outbox, from the sizes transport planned (nothing is encoded twice).
func size(enc *transport.Encoding) int64 {
	var n int64
	for i := range enc.Len() {
		n += int64(enc.Size(i))
	}
	return n
}

// PostBody posts one stored body (see transport.Client.PostBody).
func (d Deliverer) PostBody(ctx context.Context, injectID string, chunkIndex int, body []byte) error {
	return d.Client.PostBody(ctx, injectID, chunkIndex, body)
}

// PostKeyed posts one stored body under its recorded Idempotency-Key.
func (d Deliverer) PostKeyed(ctx context.Context, injectID, key string, chunkIndex int, body []byte) error {
	return d.Client.PostKeyed(ctx, injectID, key, chunkIndex, body)
}

// Redact removes the client's token from s.
func (d Deliverer) Redact(s string) string { return d.Client.Redact(s) }

// Printer writes each body that would have been POSTed to W, one JSON
// document per line: the default when no backend is configured.
type Printer struct {
	W              io.Writer
	MaxPayloadSize int
	// Log, when set, gets the WARNs of what was cut to fit
	// MaxPayloadSize (see Encode; nil: not logged, as for a copy of
	// bodies delivered and logged elsewhere).
	Log *zap.Logger
}

// DeliveredAs names a successful delivery in the run's log: nothing was
// sent; the bodies were printed, or, written to io.Discard (the run shows
// a summary instead), built and checked only.
func (p Printer) DeliveredAs() string {
	if p.W == io.Discard {
		return "not sent (no backend URL): bodies built and checked"
	}
	return "printed"
}

// Received makes the checks of Deliverer.Received with the printer's
// size limit.
func (p Printer) Received(_ context.Context, prep *runtime.Prepared) error {
	room, err := transport.Room(prep.Request.InjectID, prep.Request.Phase, p.MaxPayloadSize)
	return received(prep, room, err, func() error {
		_, err := transport.Encode(prep.Request.InjectID, prep.Request.Phase, prep.LeastPayloadTargets(), p.MaxPayloadSize)
		return err
	})
}

// received refuses a prepared inject whose least payload cannot be sent:
// err is the check of its inject id, phase and size limit, room the
// largest target a body always holds. Each target whose size bound
// (leastBound) exceeds room is measured exactly, by planning the whole
// least payload (exact); the common case measures nothing.
func received(p *runtime.Prepared, room int, err error, exact func() error) error {
	if err != nil {
		return Refuse(p, err)
	}
	for i := range p.Targets {
		if leastBound(&p.Targets[i]) > room {
			err := exact()
			var tl *transport.TargetTooLargeError
			if errors.As(err, &tl) && tl.Need == 0 {
				tl.Need = leastFit(tl, leastPlan(p))
			}
			return Refuse(p, err)
		}
	}
	return nil
}

// leastPlan plans the least payload of p under a max payload size: nil
// when it fits.
func leastPlan(p *runtime.Prepared) func(size int) error {
	return func(size int) error {
		_, err := transport.Encode(p.Request.InjectID, p.Request.Phase, p.LeastPayloadTargets(), size)
		return err
	}
}

// leastFit is the least max payload size above tl.Max with which plan
// succeeds, plan having refused tl.Max with tl; 0 past maxFit. Each
// refusal names a target and the room it lacked: the next size tried is
// where that target first has it, often the answer (two or three plans,
// where a search up from tl.Max+1 made some 17 for a limit a few hundred
// bytes short). A size refused raises the least candidate (plan is
// monotone); one that plans bounds the answer, searched down from it.
// After followGuesses refusals, or one naming no room, a search up from
// the least candidate decides.
func leastFit(tl *transport.TargetTooLargeError, plan func(size int) error) int {
	fits := func(size int) bool { return plan(size) == nil }
	lo, hi := tl.Max+1, max(tl.Max+1, maxFit)
	for range followGuesses {
		next := tl.Max + tl.Size - tl.Room
		if tl.Room <= 0 || next < lo || next > hi {
			break
		}
		err := plan(next)
		if err == nil { // the answer is next, or a size below it
			if least := transport.LeastFitFrom(lo, next-1, next-1, fits); least > 0 {
				return least
			}
			return next
		}
		lo = next + 1
		if !errors.As(err, &tl) {
			break
		}
	}
	return transport.LeastFit(lo, hi, fits)
}

// followGuesses bounds the sizes leastFit tries from the refusals' rooms:
// targets refused one after the other, each a little larger, would have
// it plan once per target.
const followGuesses = 4

// maxFit is the largest max payload size leastFit tries: 2 GiB less one.
const maxFit = 1<<31 - 1

// Refuse turns the failure of planning a prepared inject's least payload
// into a *runtime.RequestError: a target too large for any body (a
// *transport.TargetTooLargeError, its Index in p.Targets) is named with its
// value (cut short) and the least size it takes (a *TooLargeError). The
// openaev profile's size check (openaev.SizeCheck) refuses through it too.
func Refuse(p *runtime.Prepared, err error) error {
	if err == nil {
		return nil
	}
	var tl *transport.TargetTooLargeError
	switch {
	case !errors.As(err, &tl) || tl.Index < 0:
	case tl.Index < len(p.Request.Targets):
		err = &TooLargeError{Value: specValue(p.Request.Targets[tl.Index]), Err: tl}
	case tl.Index < len(p.Targets):
		err = &TooLargeError{Value: configValue(p.Targets[tl.Index].Config), Err: tl}
	}
	return &runtime.RequestError{Err: err}
}

// TooLargeError reports a target whose signatures can never fit in one
// body: its value (first non-empty, or "") and the sizes. A command line
// names it as the user wrote it instead of by its index.
type TooLargeError struct {
	Value string
	Err   *transport.TargetTooLargeError
	// Timeout, when above 0, is the run's timeout, which the bodies
	// measured keep room for: the openaev profile's data callback carries
	// the run's execution_duration, counted as if the run lasted its
	// whole timeout (see openaev.SizeCheck).
	Timeout time.Duration
}

func (e *TooLargeError) Error() string {
	name := ""
	if e.Value != "" {
		name = fmt.Sprintf(" %q", signatures.Shorten(e.Value, 64))
	}
	return fmt.Sprintf("invalid targets[%d]%s: %s (max_payload_size)%s", e.Err.Index, name, e.Reason(), e.Advice("max_payload_size"))
}

// Reason says why the target was refused, up to the setting that bounds a
// body: "its signatures fit in no body of at most M bytes", or, when the
// bodies keep room for a duration, "its signatures, with room for the
// execution_duration of a run lasting up to its timeout of T (--timeout),
// fit in no body of at most M bytes".
func (e *TooLargeError) Reason() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("its signatures, with room for the execution_duration of a run lasting up to its timeout of %s (--timeout), fit in no body of at most %d bytes",
			e.Timeout, e.Err.Max)
	}
	return fmt.Sprintf("its signatures fit in no body of at most %d bytes", e.Err.Max)
}

// Advice follows Reason and the setting: the least size that holds the
// inject (the Need of the planning), to give as setting: "; this inject
// needs at least N bytes: give --max-payload-size N or more (its results
// may need more)": N holds the signatures of any run that ends, and an
// injector's findings may add to them; or, when no
// size allowed holds it, that none does.
func (e *TooLargeError) Advice(setting string) string {
	if e.Err.Need <= 0 {
		return "; no size allowed holds them"
	}
	return fmt.Sprintf("; this inject needs at least %d bytes: give %s %d or more (its results may need more)", e.Err.Need, setting, e.Err.Need)
}

// Unwrap returns the *transport.TargetTooLargeError.
func (e *TooLargeError) Unwrap() error { return e.Err }

// specValue names a target spec by its first non-empty value, or "".
func specValue(t runtime.TargetSpec) string {
	return first(t.Value, t.TargetIPv4, t.TargetIPv6, t.TargetHostname, t.Query, t.CloudAccountID)
}

// configValue names a typed target as specValue names its spec.
func configValue(c signatures.Config) string {
	switch c := c.(type) {
	case signatures.NetworkConfig:
		return c.Value()
	case signatures.CloudConfig:
		return c.CloudAccountID
	case signatures.ExternalConfig:
		return first(c.TargetIPv4, c.TargetHostname, c.Query)
	}
	return ""
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Deliver encodes the bodies exactly as the callback client would
// (Encode) and writes them.
func (p Printer) Deliver(_ context.Context, r *runtime.Report) error {
	enc, err := Encode(r, p.MaxPayloadSize, p.Log)
	if err != nil {
		return err
	}
	for _, b := range enc.Bodies() {
		if _, err := p.W.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}
