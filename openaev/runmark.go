package openaev

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"
)

// A "complete" whose answer was lost (a gateway's 502 or 504 after the
// platform took it, Envoy's 503 after a reset: httpx.GatewayNoAnswer; a
// connection cut after the request went out) is
// retried, and before the retry the platform is asked for the inject's
// status. A
// finished inject then means one of two things: the platform took this
// very "complete", or another run of the same message (a twin) completed
// it. Sending the signatures as "data" stores them twice in the first
// case; not sending them loses them in the second. The platform tells the
// two apart: GET /api/injects/{id} answers the inject's status with its
// execution traces (OpenAEV 2.4.0: InjectStatus.status_traces, each
// ExecutionTrace with its execution_message and execution_action, COMPLETE
// for a "complete", InjectStatusService.createExecutionTrace storing the
// callback's message as sent). Every "complete" message ends with a mark
// naming its run ("[run 1a2b3c4d]", runMark; its last token, after any
// note on what was left out): a COMPLETE trace ending with this body's
// mark is this run's "complete", taken; none ending with it, the inject
// was completed by another run. A mark elsewhere in a message (the
// injector's or a target's text) is not read as one. An answer without
// the traces, or a body without a mark (stored by an older injectkit),
// cannot tell.

// errOwnTaken ends the attempts of a "complete" the platform shows it
// took already (its COMPLETE trace carries the body's run mark): the
// callback is delivered, and nothing more is sent.
var errOwnTaken = errors.New("the platform took this complete already")

// errUnsure marks an errSuperseded whose inject's traces cannot say
// whether the platform took this very "complete" (see completeVerdict).
var errUnsure = errors.New("the platform does not show whose complete finished the inject")

// runMarkRe matches the run mark ending a message, as completeMessage
// puts it: a mark elsewhere (in the injector's or a target's text) is not
// the run's. Compiled on first use: not at every start of the binary.
var runMarkRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(` \[run [0-9a-f]{8}\]\z`)
})

// runMark returns a mark ending the message of a run's "complete": " [run "
// and 8 random hex digits, so that another run of the same message has
// another.
func runMark() string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return " [run " + hex.EncodeToString(b[:]) + "]"
}

// verdictSaid is what completeVerdict logged once for the attempts of one
// "complete": the WARN of a status refused for good, and the WARN of an
// inject the platform finalized without a result.
type verdictSaid struct {
	unreadable, unreported bool
	// status is the inject's status the last read showed, "" for none
	// (the dispatch race reads it: dispatchrace.go).
	status string
}

// runMarkKey carries the run mark of a message's handling (*heldMark).
type runMarkKey struct{}

// heldMark is the run mark of one handling, drawn at its first plan.
type heldMark struct {
	once sync.Once
	mark string
}

// noteRunMark returns ctx holding the run mark of the message it handles:
// every plan of its result made with ctx (the outbox's, then serve's again
// for a result the outbox failed to store, see Handler.unstored) carries
// the same, so that the traces of a "complete" the platform took, its
// answer lost, show this run's mark whichever plan sent it.
func noteRunMark(ctx context.Context) context.Context {
	return context.WithValue(ctx, runMarkKey{}, &heldMark{})
}

// runMarkOf returns the run mark of ctx's handling (see noteRunMark), a
// new one when ctx holds none.
func runMarkOf(ctx context.Context) string {
	h, ok := ctx.Value(runMarkKey{}).(*heldMark)
	if !ok {
		return runMark()
	}
	h.once.Do(func() { h.mark = runMark() })
	return h.mark
}

// markOf returns the run mark of body, a "complete", or "" when its
// message does not end with one.
func markOf(body []byte) string {
	var e struct {
		Message string `json:"execution_message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return runMarkRe().FindString(e.Message)
}

// completeVerdict asks the platform whether inject id is finished, before
// an attempt of body, a "complete": nil when it is not; errOwnTaken when
// its COMPLETE traces show this very body taken; errSuperseded when
// another run's "complete" finished it, wrapping errUnsure when the traces
// cannot say whose; a token the platform refuses outright (a 401) is the
// error. A status that cannot be read sends body (nil) when the platform
// cannot hold it (a twin's first attempt, a retry of attempts answered so
// that none was taken: a 503 not Envoy's after a reset, a 429, a connection refused). When it may
// (held, see mayHold: an earlier attempt got no answer, a resend, a held
// result tried again), the status cannot say whether the platform took
// it, its answer lost: unreadable for a while (a network error, a 5xx, a
// 429, once its retries are spent), the "complete" is not sent (an error
// ending its attempts: an outbox keeps it pending, and its resend asks
// again), as a second one would be processed, its signatures stored twice; refused for good (a 403, a 404,
// an unreadable answer), it never will, and body is sent after one WARN
// (said) that it may be stored twice, so that the inject finishes
// either way. A final status the platform set without a run's result
// (InjectState.Unreported: its pending sweep) supersedes nothing: nil,
// with that status (unreported), and body is sent, which the platform
// saves after its requeues (the caller says so, sayUnreported); when an
// attempt of it got no answer, the caller holds it back for the
// ingestion window and the platform's requeue span (tooEarly): that
// attempt may still be in the platform's queue.
func (p *Profile) completeVerdict(ctx context.Context, injectID string, body []byte, held bool, said *verdictSaid) (unreported string, err error) {
	in, err := p.client.InjectState(ctx, injectID)
	said.status = in.Status
	var ae *APIError
	switch {
	case err == nil:
	case ctx.Err() != nil, tokenRefused(err):
		return "", err
	case !held:
		return "", nil
	case errors.As(err, &ae) && !ae.Permanent():
		return "", fmt.Errorf("the inject's status cannot be read from the platform, which may hold this complete already, "+
			"its answer lost (a second one would be processed): not sent: %w", err)
	default:
		if !said.unreadable {
			said.unreadable = true
			p.log.Warn("the inject's status cannot be read from the platform: the complete is sent, and may be stored twice "+
				"should the platform hold it already, its answer lost", injectField(ctx, injectID), zap.Error(err))
		}
		return "", nil
	}
	if !Finished(in.Status) {
		return "", nil
	}
	if in.Unreported {
		return in.Status, nil
	}
	mark := markOf(body)
	if mark != "" && in.Traces {
		for _, msg := range in.Completes {
			if strings.HasSuffix(msg, mark) {
				return "", errOwnTaken
			}
		}
		p.log.Info("terminal callback superseded: another run completed the inject on the platform",
			injectField(ctx, injectID), zap.String("status", in.Status))
		return "", errSuperseded
	}
	p.log.Info("terminal callback superseded: the inject already finished on the platform",
		injectField(ctx, injectID), zap.String("status", in.Status))
	return "", errors.Join(errSuperseded, errUnsure)
}

// sayUnreported logs, once per "complete" (body), the WARN that the
// platform finalized inject id without a result (status) and that the
// "complete" about to be sent is saved all the same: once for the
// attempts of one send (said), and once for the sends of one body, which
// a result serve holds in memory makes about once a minute (it was said
// at each: 26 times in a 40-minute full-disk run).
func (p *Profile) sayUnreported(ctx context.Context, injectID, status string, body []byte, said *verdictSaid) {
	if said.unreported {
		return
	}
	said.unreported = true
	h := fnv.New64a()
	h.Write(body)
	if !p.unreportedSaid.addNew(injectID + "\x00" + strconv.FormatUint(h.Sum64(), 16)) {
		return
	}
	p.log.Warn("the platform finalized the inject without a result (its pending sweep: no complete trace, status "+
		status+"); the result is sent all the same, and the platform saves it", injectField(ctx, injectID),
		zap.String("status", status))
}
