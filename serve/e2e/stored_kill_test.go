package e2e_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationKilledWhilePostingAStoredResult kills a daemon while it
// posts the "complete" its outbox holds (the platform answering 503: the
// attempts go on for seconds), then starts another daemon of the queue,
// on an outbox of its own, with the platform back. The inject ran and its
// result is durable in the first daemon's outbox: its message must not
// reach the second daemon, which would run the inject a second time. The
// first daemon, restarted on its outbox, resends the result.
func TestIntegrationKilledWhilePostingAStoredResult(t *testing.T) {
	p, queue := setup(t)
	ids, bodies := injects(t, p, "stored-kill", 1, "0s")
	id := ids[0]
	p.FailComplete(id, 503, 1000)
	state := t.TempDir() // the first daemon's outbox, kept across its restart
	first := startConsumer(t, "serve-first", p.URL, "XDG_STATE_HOME="+state)
	waitConsumers(t, queue, 1)
	servetest.Publish(t, queue, bodies...)

	// The complete is stored before its first attempt: once the platform
	// answered one, the result is in the outbox, and its retries wait 1 s,
	// 2 s, then 4 s.
	testkit.WaitFor(t, 60*time.Second, "a complete answered 503", func() bool {
		return calls(p, id, openaevtest.KindComplete) > 0
	})
	second := takeOver(t, p, queue, state, first, ids)
	if n := calls(p, id, openaevtest.KindReception); n != 1 {
		t.Errorf("inject %s received %d times, want 1: run again by another daemon while its result waited in the "+
			"killed daemon's outbox (second daemon ran %v)", id, n, second.logged("message received"))
	}
	if done := completions(p); done[id] != 1 {
		t.Errorf("inject %s completed %d times, want 1", id, done[id])
	}
}

// takeOver kills first (SIGKILL), has the platform take every "complete"
// of ids from then on, and starts another daemon of queue (env its
// settings), on an outbox of its own: the messages the broker had back
// (the first daemon's connection died with them unacknowledged) go to it,
// the only consumer, before the first one is started again on its
// outbox (state), which sends what it stored. Once every inject completed
// both are stopped, each exiting 0, and the queue is left empty. It
// returns the other daemon.
func takeOver(t *testing.T, p *openaevtest.Platform, queue, state string, first *consumer, ids []string, env ...string) *consumer {
	t.Helper()
	if err := first.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-first.Exited()
	for _, id := range ids {
		p.FailComplete(id, 0, 0)
	}
	second := startConsumer(t, "serve-second", p.URL, env...)
	waitConsumers(t, queue, 1)
	testkit.WaitFor(t, 60*time.Second, "no message ready", func() bool {
		ready, _ := servetest.Counts(t, queue)
		return ready == 0
	})
	again := startConsumer(t, "serve-first-again", p.URL, append(env, "XDG_STATE_HOME="+state)...)
	waitConsumers(t, queue, 2)
	waitAll(t, p, ids)
	for _, c := range []*consumer{second, again} {
		if code := c.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", c.Name, code)
		}
	}
	if ready, consumers := servetest.Counts(t, queue); ready != 0 || consumers != 0 {
		t.Errorf("queue after shutdown: %d ready, %d consumers; want 0, 0", ready, consumers)
	}
	return second
}

// calls counts the platform's calls of kind for inject id, whatever their
// outcome.
func calls(p *openaevtest.Platform, id, kind string) int {
	n := 0
	for _, c := range p.AllCalls() {
		if c.Kind == kind && c.InjectID == id {
			n++
		}
	}
	return n
}
