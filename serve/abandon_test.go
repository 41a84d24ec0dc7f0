package serve_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// abandoning is a keyed handler that keeps some results for a later
// delivery (an outbox): Kept says so of the bodies holding "kept", and,
// once Abandon cut their sends short, of those holding "cut"; Abandon
// cuts short the handlings waiting on it.
type abandoning struct {
	keyed
	once      sync.Once
	abandoned chan struct{}
}

func (a *abandoning) Abandon() { a.once.Do(func() { close(a.abandoned) }) }

func (a *abandoning) Kept(body []byte) bool {
	cut := false
	select {
	case <-a.abandoned:
		cut = strings.Contains(string(body), "cut")
	default:
	}
	return cut || strings.Contains(string(body), "kept")
}

var _ serve.Abandoner = (*abandoning)(nil)

// TestIntegrationShutdownTimeoutAcksKeptResults checks what a shutdown
// timeout does with each message still in flight of an Abandoner: one
// whose delivery it cut short (its handling returns, the result kept) and
// one whose result it keeps are acknowledged, never run again by another
// daemon; one whose inject has no result yet is returned to the queue.
// The log says which were acknowledged and which requeued.
func TestIntegrationShutdownTimeoutAcksKeptResults(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	h := &abandoning{abandoned: make(chan struct{})}
	h.keyed = keyed{newRecorder(func(body string, _ int) error {
		if strings.Contains(body, "i-cut") {
			<-h.abandoned // a send cut short: its result stays stored
			return nil
		}
		<-block
		return nil
	})}
	f := newFixture(t, h)
	f.d.Workers = 3
	f.d.ShutdownTimeout = 50 * time.Millisecond
	stop := start(t, f.d)
	msgs := map[string]string{
		"i-cut":     `{"injection":{"inject_id":"i-cut"}}`,
		"i-kept":    `{"injection":{"inject_id":"i-kept"}}`,
		"i-running": `{"injection":{"inject_id":"i-running"}}`,
	}
	for _, m := range msgs {
		servetest.Publish(t, f.queue, []byte(m))
	}
	waitFor(t, "three messages in flight", func() bool { return h.calls() == 3 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 1 {
		t.Errorf("%d messages back in the queue, want 1: the inject without a result", ready)
	}
	f.messagesCounted(t, map[string]float64{"acked": 2, "requeued": 1})
	for msg, want := range map[string]string{
		"shutdown timeout: acknowledged the unfinished injects whose result is kept for a later delivery": "[i-cut i-kept]",
		"shutdown timeout: requeued the unfinished injects":                                               "[i-running]",
	} {
		lines := f.logs.FilterMessage(msg).All()
		if len(lines) != 1 || fmt.Sprint(lines[0].ContextMap()["inject_ids"]) != want {
			t.Errorf("%q logged %v, want one line naming %s", msg, lines, want)
		}
	}
}

// stopWhileHandling starts a one-worker daemon with a 50 ms shutdown
// timeout, publishes inject id, and stops the daemon while its handling
// runs: the handling ends with err once the shutdown abandons it.
func stopWhileHandling(t *testing.T, id string, err error) *fixture {
	t.Helper()
	h := &abandoning{abandoned: make(chan struct{})}
	h.keyed = keyed{newRecorder(func(string, int) error {
		<-h.abandoned
		return err
	})}
	f := newFixture(t, h)
	f.d.Workers = 1
	f.d.ShutdownTimeout = 50 * time.Millisecond
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"`+id+`"}}`))
	waitFor(t, "in flight", func() bool { return h.calls() == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	return f
}

// TestIntegrationEndedInTheGraceIsNoUnfinishedInject: a handling that
// ends after the shutdown timeout, in the grace Abandon gives it, settled
// by its worker otherwise than with a result kept or a requeue, was said
// as unfinished all the same: delivered, WARN "requeued the unfinished
// injects" with requeued 0 and no id when rejected or its acknowledgement
// lost, INFO "acknowledged the unfinished injects whose result is kept
// for a later delivery" naming it when its result was delivered (with
// --outbox none too). Neither line is logged now: its own lines said
// what became of it.
func TestIntegrationEndedInTheGraceIsNoUnfinishedInject(t *testing.T) {
	tests := []struct {
		name   string
		err    error // the handling's, once abandoned
		queued int   // messages back in the queue
		counts map[string]float64
	}{
		{"its result delivered", nil, 0, map[string]float64{"acked": 1, "rejected": 0, "requeued": 0}},
		{"its message rejected", serve.Permanent(errors.New("inject deleted on the platform")), 0,
			map[string]float64{"acked": 0, "rejected": 1, "requeued": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := stopWhileHandling(t, "i-ends", tt.err)
			if ready, _ := servetest.Counts(t, f.queue); ready != tt.queued {
				t.Errorf("%d messages back in the queue, want %d", ready, tt.queued)
			}
			f.messagesCounted(t, tt.counts)
			for _, msg := range []string{
				"shutdown timeout: requeued the unfinished injects",
				"shutdown timeout: acknowledged the unfinished injects whose result is kept for a later delivery",
				"shutdown timeout: the unfinished injects' channel had closed: the broker delivers their messages again, " +
					"unless it restarted meanwhile (it drops a transient message, the OpenAEV platform's, whose inject the platform's " +
					"pending sweep then finalizes)",
			} {
				if lines := f.logs.FilterMessage(msg).All(); len(lines) != 0 {
					t.Errorf("%q logged %v: the handling ended, no unfinished inject", msg, lines[0].ContextMap())
				}
			}
		})
	}
}

// TestIntegrationFailedAtShutdownSaidOnce is reviewer r17's finding: a
// handling that fails once the shutdown started (a result the Handler
// dropped when the shutdown abandoned it, or any transient failure) was
// logged "handling failed; the message is kept and handled again", then
// returned to the queue. One line now settles it, saying what became of
// the message: back in the queue, the dropped result's at ERROR.
func TestIntegrationFailedAtShutdownSaidOnce(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantLevel zapcore.Level
		wantMsg   string
	}{
		{"a held result dropped", &serve.DroppedError{Err: errors.New("complete: answer 503 (the shutdown stopped the retries, at attempt 2)")},
			zapcore.ErrorLevel, "shutdown timeout: the inject's result, held in memory and not delivered, is dropped; " +
				"its message goes back to the queue and the inject will run again"},
		{"a transient failure", errors.New("reception: answer 503"),
			zapcore.WarnLevel, "shutting down: the message is returned to the queue, not handled again here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := stopWhileHandling(t, "i-held", tt.err)
			if ready, _ := servetest.Counts(t, f.queue); ready != 1 {
				t.Errorf("%d messages back in the queue, want 1", ready)
			}
			var said []observer.LoggedEntry
			for _, e := range f.logs.All() {
				if e.ContextMap()["error"] != nil {
					said = append(said, e)
				}
			}
			if len(said) != 1 || said[0].Level != tt.wantLevel || said[0].Message != tt.wantMsg ||
				said[0].ContextMap()["inject_id"] != "i-held" || said[0].ContextMap()["error"] != tt.err.Error() {
				t.Errorf("lines with the error: %v; want one %v %q naming i-held", said, tt.wantLevel, tt.wantMsg)
			}
		})
	}
}

// outboxing is a keyed handler that stores each result (an outbox) once
// its inject has run and it said so (serve.Executed), then delivers it;
// Kept says so of the bodies stored. The delivery of a body holding
// "slow" outlives the shutdown: it ignores Abandon.
type outboxing struct {
	keyed
	stored sync.Map
	block  chan struct{}
}

func (o *outboxing) Handle(ctx context.Context, body []byte) error {
	_ = o.recorder.Handle(ctx, body) // counts the call
	serve.Executed(ctx)
	o.stored.Store(string(body), true)
	if strings.Contains(string(body), "slow") {
		<-o.block
	}
	return nil
}

func (o *outboxing) Abandon() {}

func (o *outboxing) Kept(body []byte) bool { _, ok := o.stored.Load(string(body)); return ok }

// TestIntegrationShutdownDeliversAResultWaitingForADeliverySlot: with
// --workers 1 --delivery-slots 1, an inject that ran while the one
// delivery slot delivers another's result waits for it; a shutdown then
// has it deliver at once, holding its worker (no message is taken any
// more), so its result is stored and its message acknowledged, even when
// the delivery in the slot outlives the shutdown timeout (acknowledged
// too, its result kept). Before, it waited for the slot through the
// shutdown, its result not stored: its message was returned to the queue
// to run again, and its result stored all the same once the slot freed.
func TestIntegrationShutdownDeliversAResultWaitingForADeliverySlot(t *testing.T) {
	h := &outboxing{block: make(chan struct{})}
	t.Cleanup(func() { close(h.block) })
	h.keyed = keyed{newRecorder(nil)}
	f := newFixture(t, h)
	f.d.Workers, f.d.DeliverySlots = 1, 1
	f.d.ShutdownTimeout = 50 * time.Millisecond
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"i-slow"}}`))
	waitFor(t, "i-slow delivering in the delivery slot", func() bool { return h.Kept([]byte(`{"injection":{"inject_id":"i-slow"}}`)) })
	servetest.Publish(t, f.queue, []byte(`{"injection":{"inject_id":"i-next"}}`))
	waitFor(t, "i-next run by the freed worker", func() bool { return h.calls() == 2 })
	if h.Kept([]byte(`{"injection":{"inject_id":"i-next"}}`)) {
		t.Fatal("i-next stored while the delivery slot was held: it did not wait for it")
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
		t.Errorf("%d messages back in the queue, want none: both results are stored", ready)
	}
	f.messagesCounted(t, map[string]float64{"acked": 2, "requeued": 0})
	if !h.Kept([]byte(`{"injection":{"inject_id":"i-next"}}`)) {
		t.Error("i-next's result not stored by the end of the shutdown")
	}
}
