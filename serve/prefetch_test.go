package serve_test

import (
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationReconnectTakesNoMoreThanItsFreeWorkers: a daemon whose
// consumer the broker cancelled (its queue deleted and declared again,
// or the connection lost) consumed again with a prefetch of --workers
// while its workers still ran the messages of the earlier connection: the
// broker pushed it messages no worker could take, which waited there,
// unacknowledged, while another daemon on the queue sat idle. Its one
// worker busy, the daemon now takes none until the worker is free.
func TestIntegrationReconnectTakesNoMoreThanItsFreeWorkers(t *testing.T) {
	rec, inFlight, release := holdingSlow() // its one message: never redelivered (its queue is replaced)
	f := newFixture(t, rec)
	f.d.Workers = 1
	start(t, f.d)
	free := releasedBeforeStop(t, release)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	servetest.DeleteQueue(t, f.queue)
	servetest.DeclareQueue(t, f.queue)
	waitFor(t, "the daemon consuming again, or waiting for its worker", func() bool {
		_, consumers := servetest.Counts(t, f.queue)
		return consumers == 1 || f.logs.FilterMessageSnippet("consuming once one is free").Len() == 1
	})
	servetest.Publish(t, f.queue, []byte(`{"n":"next"}`))
	if ready, _ := servetest.Counts(t, f.queue); ready != 1 {
		t.Errorf("messages ready = %d while the daemon's only worker is busy, want 1: it took one no worker can run", ready)
	}
	free()
	waitFor(t, "the next message handled once the worker is free", func() bool { return rec.seen(`{"n":"next"}`) == 1 })
}

// TestIntegrationPrefetchGrowsAsEarlierMessagesSettle: the consumer that
// started with the one worker free (the other running a message of the
// consumer the broker cancelled) takes a second message once that one is
// settled, while its own first still runs.
func TestIntegrationPrefetchGrowsAsEarlierMessagesSettle(t *testing.T) {
	running := make(chan string, 2)
	release := map[string]chan struct{}{"slow": make(chan struct{}), "a": make(chan struct{})}
	rec := newRecorder(func(body string, n int) error {
		for name, ch := range release {
			if strings.Contains(body, `"`+name+`"`) {
				running <- name
				<-ch
			}
		}
		return nil
	})
	f := newFixture(t, rec)
	f.d.Workers = 2
	start(t, f.d)
	open := map[string]bool{"slow": true, "a": true}
	let := func(name string) { close(release[name]); open[name] = false }
	t.Cleanup(func() { // before the daemon's stop
		for name, o := range open {
			if o {
				close(release[name])
			}
		}
	})

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-running
	servetest.DeleteQueue(t, f.queue)
	servetest.DeclareQueue(t, f.queue)
	waitFor(t, "the daemon consuming again", func() bool { _, consumers := servetest.Counts(t, f.queue); return consumers == 1 })
	servetest.Publish(t, f.queue, []byte(`{"n":"a"}`))
	<-running
	servetest.Publish(t, f.queue, []byte(`{"n":"b"}`))
	if ready, _ := servetest.Counts(t, f.queue); ready != 1 {
		t.Errorf("messages ready = %d while both workers are busy, want 1", ready)
	}
	let("slow")
	waitFor(t, "b handled once the earlier consumer's message is settled, a still running", func() bool { return rec.seen(`{"n":"b"}`) == 1 })
	let("a")
}

// TestIntegrationReconnectsCountEveryConnection: a connection lost while
// the daemon waited on it for a free worker (every worker running a
// message of the connection lost before) is a connection to the broker
// after the first one, as its help says: counted when it is made, as
// injectkit_broker_connected reports it up. Before, the count came once
// a consumer started, so such a connection was never counted (and the
// one waiting was not, while the gauge showed it up): three connections,
// one reconnection.
func TestIntegrationReconnectsCountEveryConnection(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	f.d.Workers = 1
	p := f.throughProxy(t, nil)
	start(t, f.d)
	free := releasedBeforeStop(t, release)
	reconnects := func() float64 { return servetest.Metric(t, f.metrics, "injectkit_broker_reconnects_total") }
	waiting := func(n int) func() bool {
		return func() bool { return f.logs.FilterMessageSnippet("consuming once one is free").Len() == n }
	}

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	for n := 1; n <= 2; n++ {
		p.cut()
		waitFor(t, "the daemon connected again, waiting for its worker", waiting(n))
		if got := reconnects(); got != float64(n) {
			t.Errorf("after cut %d: reconnects = %v, want %d (connected: %v)", n, got, n,
				servetest.Metric(t, f.metrics, "injectkit_broker_connected"))
		}
	}
	free()
	waitFor(t, "the slow message handled again (its ack lost)", func() bool { return rec.seen(`{"n":"slow"}`) == 2 })
	if got := reconnects(); got != 2 {
		t.Errorf("reconnects = %v once consuming, want 2: three connections were made", got)
	}
}

// TestIntegrationConnectionLostWaitingForAWorkerSaysSo: a connection lost
// while the daemon waited on it for a free worker (its one worker running
// a message of the connection lost before) was logged "broker connection
// failed", as a dial refused is, naming no loss and nothing of what came
// next. It is a loss, said once as one, with what the daemon does next.
func TestIntegrationConnectionLostWaitingForAWorkerSaysSo(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	f.d.Workers = 1
	p := f.throughProxy(t, nil)
	start(t, f.d)
	free := releasedBeforeStop(t, release)
	waiting := func(n int) func() bool {
		return func() bool { return f.logs.FilterMessageSnippet("consuming once one is free").Len() == n }
	}

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	p.cut()
	waitFor(t, "the daemon connected again, waiting for its worker", waiting(1))
	p.cut() // the connection it waits on
	waitFor(t, "the daemon connected a third time", waiting(2))

	if n := f.logs.FilterMessage("broker connection failed").Len(); n != 0 {
		t.Errorf("%d WARN broker connection failed for a connection lost while waiting, want 0: %v", n,
			f.logs.FilterMessage("broker connection failed").All()[0].ContextMap())
	}
	lost := f.logs.FilterMessageSnippet("lost while waiting for a free worker").All()
	if len(lost) != 1 {
		t.Fatalf("%d lines saying the connection was lost while waiting for a free worker, want 1", len(lost))
	}
	if lost[0].Level != zap.WarnLevel || !strings.Contains(lost[0].Message, "connecting again") {
		t.Errorf("line %s %q: want a WARN saying what the daemon does next (connecting again)", lost[0].Level, lost[0].Message)
	}
	free()
	waitFor(t, "the slow message handled again (its ack lost)", func() bool { return rec.seen(`{"n":"slow"}`) == 2 })
}
