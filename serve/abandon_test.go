package serve_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// abandoning is a keyed handler that keeps some results for a later
// delivery (an outbox): Kept says so of the bodies holding "kept", and
// Abandon cuts short the handlings waiting on it.
type abandoning struct {
	keyed
	once      sync.Once
	abandoned chan struct{}
}

func (a *abandoning) Abandon() { a.once.Do(func() { close(a.abandoned) }) }

func (a *abandoning) Kept(body []byte) bool { return strings.Contains(string(body), "kept") }

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
	for outcome, want := range map[string]float64{"acked": 2, "requeued": 1} {
		if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", outcome); got != want {
			t.Errorf("%s = %v, want %v", outcome, got, want)
		}
	}
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
