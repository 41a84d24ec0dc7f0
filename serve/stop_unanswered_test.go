package serve_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationStopWithTheBrokerNotAnswering stops the daemon while the
// broker answers nothing (a node stopped with SIGSTOP, a partition
// dropping packets: its connection open, silent). The stop asked the
// broker to cancel the consumer and waited for its answer without bound:
// the shutdown, --shutdown-timeout included, began only once the client
// library gave the connection up for lost (its heartbeat's 15 s), and the
// daemon said so as a failed cancel (`cancel consumer … i/o timeout`).
// Now the cancel and the close wait at most a second for the broker once
// the injects in flight are settled: the shutdown keeps its timeout, one
// WARN says the broker did not answer, and nothing is lost or run twice
// (the message of an inject that finished is acknowledged, the one of an
// inject still running requeued, once the broker reads again).
//
// What the daemon settled is read on the wire, not from the queue's
// count once the broker reads again: the count was read as soon as the
// broker showed no consumer, which its reading of the cancel shows,
// before it read the requeue and the connection's end ("0 messages back
// in the queue, want 1"); and RabbitMQ (3.10.8) returns to the queue,
// now and then, a message whose acknowledgement it read after the
// consumer's cancel and just before a connection's end with no close
// handshake ("1 messages back in the queue, want 0": the proxy had
// forwarded the basic.ack; a bare amqp091 client sending basic.cancel,
// basic.ack and closing its socket saw it once in 200 tries). The daemon
// cannot have the broker confirm an acknowledgement while it answers
// nothing; such a message is delivered again as any the broker did not
// take the acknowledgement of.
func TestIntegrationStopWithTheBrokerNotAnswering(t *testing.T) {
	cases := []struct {
		name     string
		finishes bool   // the inject in flight ends during the stop
		settle   string // how the daemon settled its message
		wantLine string
	}{
		{name: "inject finishes", finishes: true, settle: "basic.ack"},
		{name: "inject outlasts the timeout", finishes: false, settle: "basic.nack",
			wantLine: "shutdown timeout: requeued the unfinished injects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec, inFlight, release := holdingSlow()
			f := newFixture(t, rec)
			// An inject that finishes gets a timeout it cannot meet only
			// on a machine too loaded to end it in time: a second was
			// one under make test's load, and its message went back to
			// the queue as it should (an unfinished inject's).
			f.d.ShutdownTimeout = time.Second
			if tc.finishes {
				f.d.ShutdownTimeout = time.Minute
			}
			p := f.throughProxy(t, nil)
			stop := start(t, f.d)
			servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
			<-inFlight

			p.freeze()
			stopped := make(chan error, 1)
			go func() { stopped <- stop() }()
			if tc.finishes {
				close(release)
			}
			if err := <-stopped; err != nil {
				t.Fatalf("Run: %v", err)
			}
			logs := f.logs.All()
			if !tc.finishes {
				close(release)
			}
			p.thaw()

			for _, e := range logs {
				if err := fmt.Sprint(e.ContextMap()["error"]); strings.Contains(err, "i/o timeout") {
					t.Errorf("the stop waited for the broker until its connection timed out: %s: %s", e.Message, err)
				}
			}
			unanswered := f.logs.FilterMessageSnippet("the broker did not answer").All()
			if len(unanswered) != 1 {
				t.Errorf("%d lines say the broker did not answer, want 1", len(unanswered))
			}
			// RabbitMQ returned an acknowledged message to the queue in 2
			// of 6 stops of serve against a node stopped with SIGSTOP:
			// the line must not tell the operator that only those it had
			// not seen acknowledged come back.
			for _, e := range unanswered {
				if !strings.Contains(e.Message, "acknowledged while it did not answer may come back too") {
					t.Errorf("the line does not say that a message acknowledged meanwhile may come back: %q", e.Message)
				}
			}
			if tc.wantLine != "" && f.logs.FilterMessage(tc.wantLine).Len() != 1 {
				t.Errorf("no line %q", tc.wantLine)
			}
			waitFor(t, "the proxy to read the daemon's connection end", func() bool { return p.wire.endedConns() == 1 })
			var settled []string
			for _, m := range p.wire.sent() {
				if m == "basic.ack" || m == "basic.nack" || m == "basic.reject" {
					settled = append(settled, m)
				}
			}
			if !slices.Equal(settled, []string{tc.settle}) {
				t.Errorf("the daemon settled its message with %v, want %s; it sent %v", settled, tc.settle, p.wire.sent())
			}
			if !tc.finishes {
				waitFor(t, "the message back in the queue", func() bool {
					ready, _ := servetest.Counts(t, f.queue)
					return ready == 1
				})
			}
			if got := rec.seen(`{"n":"slow"}`); got != 1 {
				t.Errorf("the inject was handled %d times, want 1", got)
			}
		})
	}
}

// TestIntegrationShutdownTimeoutNamesInjectsLostWithTheirChannel: an
// inject still running at the shutdown timeout whose channel had closed
// (the broker restarted under it: serve against a node stopped with
// rabbitmqctl stop_app and started again, two nmap scans in flight)
// cannot be requeued, and the shutdown said "shutdown timeout: requeued
// the unfinished injects" with requeued 0 and no inject named: as if
// none had been left unfinished. It now names them in a line of their
// own, saying the broker delivers their messages again unless it
// restarted meanwhile.
func TestIntegrationShutdownTimeoutNamesInjectsLostWithTheirChannel(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	t.Cleanup(func() { close(release) })
	f := newFixture(t, rec)
	f.d.ShutdownTimeout = 50 * time.Millisecond
	p := f.throughProxy(t, nil)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	p.cut()
	waitFor(t, "the broker loss", func() bool { return f.logs.FilterMessage(connLostLine).Len() == 1 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := f.logs.FilterMessage("shutdown timeout: requeued the unfinished injects").Len(); n != 0 {
		t.Errorf("%d lines say the unfinished injects were requeued; none was: %v", n, f.logs.All())
	}
	lines := f.logs.FilterMessageSnippet("shutdown timeout: the unfinished injects' channel had closed").All()
	if len(lines) != 1 {
		t.Fatalf("%d lines name the injects lost with their channel, want 1: %v", len(lines), f.logs.All())
	}
	if got := lines[0].ContextMap()["lost"]; got != int64(1) {
		t.Errorf("lost = %v, want 1", got)
	}
}

// TestIntegrationConnectionLostDuringTheStopIsSaidOnce: the broker lost
// while the stop awaits its answer to the consumer's cancel (a node
// stopped, then killed: kill -STOP, SIGTERM to serve, kill -9 of the
// node) was said twice, WARN "broker connection lost while stopping" and
// WARN "cancel consumer", both with the same "connection reset by peer".
// A cancel that fails because the connection is gone says nothing now,
// nor does the shutdown say the broker did not answer it: the loss is
// said once.
func TestIntegrationConnectionLostDuringTheStopIsSaidOnce(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	p := f.throughProxy(t, nil)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight

	p.freeze()
	stopped := f.stopInFlight(t, stop, closedChan())
	p.cut() // the broker gone while the cancel awaits its answer
	waitFor(t, "the loss seen", func() bool {
		return f.logs.FilterMessage("broker connection lost while stopping").Len() > 0
	})
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := f.logs.FilterMessage("broker connection lost while stopping").Len(); n != 1 {
		t.Errorf("%d lines say the connection was lost while stopping, want 1", n)
	}
	if n := f.logs.FilterMessage("cancel consumer").Len(); n != 0 {
		t.Errorf("the cancel's failure is said too: %v", f.logs.FilterMessage("cancel consumer").All())
	}
	if n := f.logs.FilterMessageSnippet("the broker did not answer").Len(); n != 0 {
		t.Errorf("the lost connection is said to be unanswered too: %v", f.logs.FilterMessageSnippet("the broker did not answer").All())
	}
}

// closedChan is a channel closed already.
func closedChan() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}
