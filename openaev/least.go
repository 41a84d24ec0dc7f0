package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
)

// SizeCheck is the check of the openaev profile's size limit that sends
// nothing: a runtime.Receiver for runtime.Validate, which `validate` and
// `run` make before the platform is asked anything. It refuses an inject
// one target of which has signatures, at the least a run reports
// (runtime.Prepared.LeastPayloadTargets), that fit in no callback body of
// at most MaxPayloadSize bytes: the profile would leave them out of its
// callbacks. The refusal is transport/callback's for the callback profile
// (callback.Refuse): a *runtime.RequestError holding a
// *callback.TooLargeError that names the target, the least size its
// signatures take in a body (escaped, as the callback carries them), the
// limit and the run's timeout: the body measured keeps room for the
// execution_duration of a run lasting its whole timeout (a run that ends
// sooner may send them in a smaller body), and the error says so.
type SizeCheck struct {
	// MaxPayloadSize is the profile's limit (WithMaxPayloadSize), brought
	// within its bounds as NewProfile brings it.
	MaxPayloadSize int64
}

// Interface guard.
var _ runtime.Receiver = SizeCheck{}

// Received refuses prep when a target's least signatures fit in no body.
func (c SizeCheck) Received(ctx context.Context, prep *runtime.Prepared) error {
	size := int(min(max(c.MaxPayloadSize, MinMaxPayloadSize), MaxMaxPayloadSize))
	// A data callback of the longest the run may last: the least a body
	// holding one target's signatures takes besides them.
	agents := agentsOf(ctx)
	fixed := dataFixedLen(prep.Request.Injector, len(prep.Targets)+extraAgents(agents), wireDuration(prep.Timeout)+1000)
	// The body's room, or the structured output's if smaller
	// (MaxStructuredOutputLen).
	fits := func(size, q int) bool { return q <= structuredRoom(size, fixed, dataDocLen()) }
	limit := fixed + structuredRoom(size, fixed, dataDocLen())
	types := signatureTypesOf(ctx)
	var (
		buf   bytes.Buffer
		drops map[string]bool
		first *transport.TargetTooLargeError
		most  int // the largest target's size
	)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for i, pt := range sendable(prep.LeastPayloadTargets(), types, &drops, agents, prep.Indirect()) {
		q, err := targetLen(enc, &buf, pt)
		if err != nil {
			continue // left out of the callback, and said so, at the run
		}
		most = max(most, q)
		if first == nil && !fits(size, q) {
			first = &transport.TargetTooLargeError{Index: i, Size: q, Max: limit}
		}
	}
	if first == nil {
		return nil
	}
	// The least size the profile allows that holds every target.
	first.Need = transport.LeastFit(size+1, MaxMaxPayloadSize, func(size int) bool { return fits(size, most) })
	err := callback.Refuse(prep, first)
	if tl := (*callback.TooLargeError)(nil); errors.As(err, &tl) {
		tl.Timeout = prep.Timeout
	}
	return err
}
