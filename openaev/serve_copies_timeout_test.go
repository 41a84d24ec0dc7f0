package openaev_test

import (
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationServeCopiesPastTheConsumerTimeoutHoldNoWorker: a run
// that outlasts the broker's consumer_timeout has its channel closed and
// its message delivered again, on each new channel, once per timeout.
// The copy waits for the run in flight here, until its own channel
// closes: it then gives its worker up, the broker having it back. Each
// copy held its worker until the run ended: with two workers, the second
// copy found none ("every worker holds a message of an earlier
// consumer"), and the daemon took no message, of any inject, until the
// run ended (seen with the built CLI: four workers, a consumer_timeout of
// 2 s and a result held against a platform asking an hour).
func TestIntegrationServeCopiesPastTheConsumerTimeoutHoldNoWorker(t *testing.T) {
	testkit.Integration(t)
	node := servetest.StartNode(t, "copies", servetest.WithConsumerTimeout(time.Second))
	queue := node.Queue(t)
	s := newServeEnv(t, serveOpts{})
	d, _ := s.daemon(t, node.Broker(), queue) // two workers
	run(t, d)
	started, release := s.nmap.holdNextRun()
	defer release()
	node.Publish(t, queue, s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	<-started

	const full = "every worker holds a message of an earlier consumer"
	copies := func() int {
		return s.logs.FilterMessageSnippet("redelivered message of an inject this process is running").Len()
	}
	testkit.WaitFor(t, testkit.Hang, "three copies delivered again, or every worker held", func() bool {
		return copies() >= 3 || s.logs.FilterMessageSnippet(full).Len() > 0
	})
	if n := s.logs.FilterMessageSnippet(full).Len(); n != 0 {
		t.Fatalf("after %d copies, every worker held one: %q", copies(), full)
	}
	release()
	testkit.WaitFor(t, testkit.Hang, "the message acknowledged", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked") >= 1
	})
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if n := len(s.platform.Completions("i-1")); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
}
