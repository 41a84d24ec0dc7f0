package openaev_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// returning is the serve Handler of a test, told when a handling returns.
type returning struct {
	*openaev.Handler
	returned chan error
}

func (h returning) HandleDelivery(ctx context.Context, d serve.Delivery) error {
	err := h.Handler.HandleDelivery(ctx, d)
	h.returned <- err
	return err
}

// requeueWhileHeld runs daemon A of a on queue, publishes body, and once
// held says A's handling of it is held (what names the step, for a
// failure), stops A past a 50 ms shutdown timeout and checks its message
// went back to the queue. It returns A's handler: the test lets the
// handling go on, then reads its end from returned.
func requeueWhileHeld(t *testing.T, a *serveEnv, broker serve.Broker, queue string, body []byte, held <-chan struct{}, what string) returning {
	t.Helper()
	da, _ := a.daemon(t, broker, queue)
	ha := returning{Handler: a.handler, returned: make(chan error, 1)}
	da.Handler, da.ShutdownTimeout = ha, 50*time.Millisecond
	run := testkit.Go(t, "Run", da.Run)
	servetest.Publish(t, queue, body)
	select {
	case <-held:
	case <-run.Exited():
		t.Fatalf("Run returned before %s", what)
	}
	if err := run.Stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 1 {
		t.Fatalf("%d messages back in the queue, want 1: the handling was still held (%s) at the shutdown timeout", ready, what)
	}
	return ha
}

// TestIntegrationServeShutdownRequeuedRunStoresNothing: daemon A's
// shutdown timeout passes while an inject runs; its message goes back to
// the queue, and daemon B, on another host (its own outbox, if any), runs
// it in full and completes it. When A's run ends afterwards, its result
// is dropped: not stored in A's outbox, not sent, one WARN naming the
// inject saying its message was requeued. The platform processes exactly
// one complete, B's, and A's outbox, flushed once A restarts, sends
// nothing. Before, A stored its result for a message it had requeued:
// its flush found it superseded here (B's complete came first), but one
// landing before B's run, or between B's check of the inject's status and
// its POST, completed the inject with the result of a run given up. With
// --outbox none, A posted its complete at once (the profile asked
// nothing): the platform processed two completes of the inject, the
// first of a run given up.
func TestIntegrationServeShutdownRequeuedRunStoresNothing(t *testing.T) {
	for _, durable := range []bool{true, false} {
		name := map[bool]string{true: "outbox", false: "outbox none"}[durable]
		t.Run(name, func(t *testing.T) { testShutdownRequeuedRun(t, durable) })
	}
}

func testShutdownRequeuedRun(t *testing.T, durable bool) {
	broker, queue := integration(t)
	const id = "i-1"
	a := newServeEnv(t, serveOpts{outbox: durable})
	body := a.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	started, release := a.nmap.holdNextRun()
	t.Cleanup(release)
	ha := requeueWhileHeld(t, a, broker, queue, body, started, "the inject ran")
	release() // A's run ends, after its message was requeued
	<-ha.returned
	if durable {
		if got := a.records(t); len(got) != 0 {
			t.Errorf("A's outbox holds %v: the result of a run whose message was requeued was stored", got)
		}
	}
	// The daemon says it once the handling returned (before, it said the
	// message was handled after the shutdown requeued it).
	testkit.WaitFor(t, 30*time.Second, "the line settling the message", func() bool {
		return a.logs.FilterMessageSnippet("this run's result is dropped").Len()+
			a.logs.FilterMessageSnippet("handled after the shutdown requeued the message").Len() > 0
	})
	warned := a.logs.FilterMessageSnippet("this run's result is dropped").All()
	if len(warned) != 1 || warned[0].ContextMap()["inject_id"] != id {
		t.Errorf("logged %v, want one WARN naming %s", warned, id)
	}
	if calls := a.platform.Calls(id); len(calls) != 2 { // A's reception and its trace
		for _, c := range calls {
			t.Logf("%s %v", c.Kind, c.Body)
		}
		t.Errorf("%d callbacks of %s before B ran it, want A's reception and trace only", len(calls), id)
	}

	// Daemon B: the same platform and broker, its own outbox, if any.
	db, _ := a.daemon(t, broker, queue)
	db.Handler = daemonB(t, a, durable)
	runB := testkit.Go(t, "Run B", db.Run)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := a.platform.WaitFor(ctx, func() bool { return len(a.platform.Completions(id)) > 0 }); err != nil {
		t.Fatalf("B's complete not processed: %v", err)
	}
	if err := runB.Stop(t); err != nil {
		t.Fatalf("Run B = %v", err)
	}
	if durable { // A restarts: its outbox, opened again, is flushed.
		if res, err := flushAgain(t, a).Flush(ctx); err != nil || res != (outbox.FlushResult{}) {
			t.Errorf("A's flush: %+v, %v; want nothing to send", res, err)
		}
	}
	if n := a.nmap.calls.Load(); n != 2 {
		t.Errorf("the inject ran %d times, want 2: A's, cut short, and B's", n)
	}
	if n := len(a.platform.Completions(id)); n != 1 {
		t.Errorf("the platform processed %d completes of %s, want 1", n, id)
	}
	if n := len(a.platform.Calls(id)); n != 5 {
		for _, c := range a.platform.Calls(id) {
			t.Logf("%s %v", c.Kind, c.Body)
		}
		t.Errorf("%d callbacks of %s, want A's reception and trace, then B's reception, trace and complete", n, id)
	}
	if _, ok := a.platform.Terminal(id); !ok {
		t.Errorf("no terminal callback of %s", id)
	}
}

// daemonB returns the Handler of a daemon on another host than a's: the
// same platform, its own profile and outbox (none unless durable).
func daemonB(t *testing.T, a *serveEnv, durable bool) serve.Handler {
	t.Helper()
	profile := openaev.NewProfile(a.client, a.selected, a.log)
	if !durable {
		return openaev.NewHandler(openaev.HandlerConfig{Processor: openaev.NewProcessor(newTestRuntime(a.registry, profile, a.log), profile),
			Metrics: a.metrics, Log: a.log})
	}
	store, err := outbox.Open(filepath.Join(t.TempDir(), "b.db"), outbox.Options{Secrets: []string{testToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	d := &outbox.Deliverer{Profile: profile, Store: store}
	h := openaev.NewHandler(openaev.HandlerConfig{Processor: openaev.NewProcessor(newTestRuntime(a.registry, d, a.log), profile),
		Store: store, Metrics: a.metrics, Log: a.log})
	d.Abort = h.Abort()
	return h
}

// flushAgain closes a's outbox and returns the Resender of the outbox
// opened again, as a restarted daemon flushes it.
func flushAgain(t *testing.T, a *serveEnv) *outbox.Resender {
	t.Helper()
	path := a.store.Path()
	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	store, err := outbox.Open(path, outbox.Options{Secrets: []string{testToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &outbox.Resender{Store: store, Select: a.profile.Owns,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: a.profile}, nil }}
}
