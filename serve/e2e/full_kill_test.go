package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationKilledWhileTheOutboxIsFull kills a daemon whose outbox
// is full (--outbox-max-bytes 1024, every "complete" answered 503, so the
// results it stored stay pending), its consumption paused: the workers
// met the pause with messages they keep unrun, and the messages pushed
// behind them went back to the queue. A message acknowledged before its
// inject ran and its result was stored would be lost (in no queue, in no
// outbox), and one left unacknowledged after its result was stored would
// run a second time on the daemon that takes the queue over: every
// inject must be received and completed once.
func TestIntegrationKilledWhileTheOutboxIsFull(t *testing.T) {
	p, queue := setup(t)
	ids, bodies := injects(t, p, "full-kill", 6, "0s")
	for _, id := range ids {
		p.FailComplete(id, 503, 1000)
	}
	state := t.TempDir() // the first daemon's outbox, kept across its restart
	first := startConsumer(t, "serve-first", p.URL, "INJECTKIT_WORKERS=2", "INJECTKIT_DELIVERY_SLOTS=1",
		"INJECTKIT_OUTBOX_MAX_BYTES=1024", "XDG_STATE_HOME="+state)
	waitConsumers(t, queue, 1)
	servetest.Publish(t, queue, bodies...)

	// Once a result is stored its message is acknowledged, before the
	// first try of its "complete": once that "complete" was tried again
	// (1 s after the first) the acknowledgement has reached the broker. A
	// kill before would leave the message to the second daemon, on an
	// outbox of its own, which would run it again (the window between a
	// result's store and its acknowledgement, as in the other kill tests).
	testkit.WaitFor(t, 60*time.Second, "the consumption paused on the full outbox, a result stored and its complete tried twice", func() bool {
		return strings.Contains(first.Stderr.String(), "consumption paused: outbox full") && pendingBodies(t, first) >= 1 &&
			kindCalls(p, openaevtest.KindComplete) >= 2
	})
	ran := first.logged("message received")
	second := takeOver(t, p, queue, state, first, ids)
	var twice []string
	for _, id := range ids {
		if n := calls(p, id, openaevtest.KindReception); n != 1 {
			twice = append(twice, fmt.Sprintf("%s×%d", id, n))
		}
	}
	if len(twice) > 0 {
		t.Errorf("injects received other than once: %v, want each once (the killed daemon took %v, the second %v)",
			twice, ran, second.logged("message received"))
	}
	if done := completions(p); len(duplicates(done)) > 0 || len(done) != len(ids) {
		t.Errorf("completions %v, want each of %v once", done, ids)
	}
}
