package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationInjectThatEndsTheProcessIsNotRunForEver checks the outside
// tester's crash loop through the built binary and a real broker: an
// inject whose run ends its serve process (killed here; a panic in a
// goroutine of its injector ends it the same way, exit 2) is run again by
// the restarted daemon, on the same host (outbox), until its runs ended
// unfinished openaev.MaxUnfinishedRuns times; the next daemon sends its
// terminal ERROR saying so instead of a third run, acknowledges the
// message and goes on with the next.
func TestIntegrationInjectThatEndsTheProcessIsNotRunForEver(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: the restarted daemon's outbox is the dead one's
	ids, bodies := injects(t, p, "dies", 1, "10m")
	next, nextBodies := injects(t, p, "next", 1, "0s")
	servetest.Publish(t, queue, append(bodies, nextBodies...)...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1"}
	for round := range openaev.MaxUnfinishedRuns {
		c := startConsumer(t, fmt.Sprintf("serve-%d", round), p.URL, env...)
		testkit.WaitFor(t, 90*time.Second, "the inject to run", func() bool {
			return c.logged("pre-execution signatures compiled")[ids[0]] == 1
		}, &c.Stderr.Signal)
		if err := c.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-c.Exited()
	}
	c := startConsumer(t, "serve-last", p.URL, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	term, err := p.WaitTerminal(ctx, ids[0])
	if err != nil {
		t.Fatalf("no terminal callback of %s: %v", ids[0], err)
	}
	want := fmt.Sprintf("injectkit stopped while running inject %s %d times", ids[0], openaev.MaxUnfinishedRuns)
	if term.Body["execution_status"] != "ERROR" || !strings.Contains(fmt.Sprint(term.Body["execution_message"]), want) {
		t.Errorf("terminal %v, want ERROR saying %q", term.Body, want)
	}
	waitAll(t, p, next)
	if n := c.logged("pre-execution signatures compiled")[ids[0]]; n != 0 {
		t.Errorf("the last daemon ran %s %d times", ids[0], n)
	}
	if n := c.logged("inject not run again: injectkit stopped while running it; its terminal callback is ERROR")[ids[0]]; n != 1 {
		t.Errorf("%d ERROR lines naming %s, want 1", n, ids[0])
	}
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
}

// TestIntegrationShutdownsAreNotUnfinishedRuns checks the outside
// tester's rolling restarts: a daemon whose graceful shutdown (SIGTERM)
// times out during an inject's run returns its message to the queue, and
// that is not a run ending the process, however many such shutdowns came:
// after more than openaev.MaxUnfinishedRuns of them the next daemon runs
// the inject again, to its end, instead of answering it ERROR.
func TestIntegrationShutdownsAreNotUnfinishedRuns(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: each daemon's outbox is the previous one's
	ids, bodies := injectsLasting(t, p, "%s-%03d", "stopped", 1, func() string { return "20s" })
	servetest.Publish(t, queue, bodies...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1", "INJECTKIT_SHUTDOWN_TIMEOUT=1s"}
	for round := range openaev.MaxUnfinishedRuns + 1 {
		c := startRunningAgain(t, p, env, round, ids[0], "graceful shutdowns")
		if code := c.stop(t); code != 0 {
			t.Fatalf("round %d: exit %d after SIGTERM, want 0", round, code)
		}
		if n := c.logged("shutdown timeout: requeued the unfinished injects"); n[""] != 1 {
			t.Fatalf("round %d: the shutdown did not requeue the inject (%v)", round, n)
		}
	}
	lastDaemonRunsOnce(t, p, env, ids[0], "graceful shutdowns")
}

// TestIntegrationExitsNowAreNotUnfinishedRuns checks the outside tester's
// double stops: a daemon sent SIGTERM during an inject's run, then SIGTERM
// again while its graceful stop waits for the run (exit now, 130), returns
// the message to the queue, and that is not a run ending the process
// either: after openaev.MaxUnfinishedRuns such stops the next daemon runs
// the inject again, to its end, instead of answering it ERROR.
func TestIntegrationExitsNowAreNotUnfinishedRuns(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: each daemon's outbox is the previous one's
	ids, bodies := injectsLasting(t, p, "%s-%03d", "exited", 1, func() string { return "20s" })
	servetest.Publish(t, queue, bodies...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1"} // a graceful stop waits 20 s
	const stopping = "terminated: stopping gracefully (send it again to exit now)"
	for round := range openaev.MaxUnfinishedRuns {
		c := startRunningAgain(t, p, env, round, ids[0], "stops")
		if err := c.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		testkit.WaitFor(t, 30*time.Second, "the graceful stop", func() bool { return c.logged(stopping)[""] == 1 }, &c.Stderr.Signal)
		if code := c.stop(t); code != 130 {
			t.Fatalf("round %d: exit %d after a second SIGTERM, want 130", round, code)
		}
	}
	lastDaemonRunsOnce(t, p, env, ids[0], "stops by a second SIGTERM")
}

// startRunningAgain starts daemon serve-<round> and waits for it to run
// inject id again: the round daemons stopped before it (after names how)
// must have left the inject without a terminal callback.
func startRunningAgain(t *testing.T, p *openaevtest.Platform, env []string, round int, id, after string) *consumer {
	t.Helper()
	c := startConsumer(t, fmt.Sprintf("serve-%d", round), p.URL, env...)
	testkit.WaitFor(t, 90*time.Second, "the inject to run, or its terminal callback", func() bool {
		_, answered := p.Terminal(id)
		return answered || c.logged("pre-execution signatures compiled")[id] == 1
	}, &c.Stderr.Signal)
	if term, answered := p.Terminal(id); answered {
		t.Fatalf("round %d: terminal %v, want the inject run again after %d %s", round, term.Body, round, after)
	}
	return c
}

// lastDaemonRunsOnce starts one more daemon and checks that it runs inject
// id once, to the inject's own outcome, not the terminal ERROR of a run
// that ended the process: the stops before (after) did not count as such.
func lastDaemonRunsOnce(t *testing.T, p *openaevtest.Platform, env []string, id, after string) {
	t.Helper()
	c := startConsumer(t, "serve-last", p.URL, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	term, err := p.WaitTerminal(ctx, id)
	if err != nil {
		t.Fatalf("no terminal callback of %s: %v", id, err)
	}
	if term.Body["execution_status"] == "ERROR" {
		t.Errorf("terminal %v after %s, want the inject's own outcome", term.Body, after)
	}
	if n := c.logged("pre-execution signatures compiled")[id]; n != 1 {
		t.Errorf("the last daemon ran %s %d times, want 1", id, n)
	}
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}
