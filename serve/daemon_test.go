package serve_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// recorder is a Handler that records every body it was given.
type recorder struct {
	mu     sync.Mutex
	bodies map[string]int
	order  []string
	fn     func(body string, n int) error // n: how often body was seen, this call included
}

func newRecorder(fn func(body string, n int) error) *recorder {
	return &recorder{bodies: map[string]int{}, fn: fn}
}

func (r *recorder) Handle(ctx context.Context, body []byte) error {
	r.mu.Lock()
	r.bodies[string(body)]++
	r.order = append(r.order, string(body))
	n := r.bodies[string(body)]
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(string(body), n)
	}
	return nil
}

func (r *recorder) seen(body string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bodies[body]
}

func (r *recorder) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.order)
}

// holdingRecorder returns a recorder whose every handling says on started
// that it began, then waits for release to be closed.
func holdingRecorder() (rec *recorder, started <-chan struct{}, release chan struct{}) {
	s := make(chan struct{}, 1)
	release = make(chan struct{})
	rec = newRecorder(func(string, int) error {
		s <- struct{}{}
		<-release
		return nil
	})
	return rec, s, release
}

type fixture struct {
	queue   string
	reg     *registrar
	metrics *prometheus.Registry
	d       *serve.Daemon
	logs    *observer.ObservedLogs
}

// newFixture prepares a daemon on a fresh queue of the real broker.
func newFixture(t *testing.T, h serve.Handler) *fixture {
	t.Helper()
	testkit.Integration(t) // and RabbitMQ
	b := servetest.Broker(t)
	f := &fixture{queue: servetest.Queue(t), metrics: prometheus.NewRegistry()}
	f.reg = &registrar{reg: serve.Registration{Broker: b, Queue: f.queue}}
	log, logs := testkit.Logger()
	f.logs = logs
	f.d = &serve.Daemon{
		Registrar: f.reg, Handler: h, Workers: 2,
		ShutdownTimeout: 10 * time.Second, RequeueDelay: 10 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Name: "injectkit-" + t.Name(), Log: log, Metrics: serve.NewMetrics(f.metrics),
	}
	return f
}

// messagesCounted checks the daemon's injectkit_messages_total of each
// outcome of want.
func (f *fixture) messagesCounted(t *testing.T, want map[string]float64) {
	t.Helper()
	for outcome, n := range want {
		if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", outcome); got != n {
			t.Errorf("%s = %v, want %v", outcome, got, n)
		}
	}
}

// listen serves the daemon's /healthz and /metrics on a loopback port,
// heartbeats every interval, and returns its base URL.
func (f *fixture) listen(t *testing.T, interval time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.d.Listener, f.d.HeartbeatInterval = ln, interval
	return "http://" + ln.Addr().String()
}

// stopInFlight begins the stop once an inject is in flight (started
// received) and returns when the shutdown says it waits for it, the inject
// still in flight; Run's result comes on the channel it returns.
func (f *fixture) stopInFlight(t *testing.T, stop func() error, started <-chan struct{}) <-chan error {
	t.Helper()
	<-started
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitFor(t, "the shutdown waiting for the inject in flight", func() bool {
		return f.logs.FilterMessage("shutting down: waiting for injects in flight").Len() == 1
	})
	return stopped
}

func bodies(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"n":"%s-%d"}`, prefix, i)
	}
	return out
}

func TestIntegrationConsumesAndAcksEveryMessage(t *testing.T) {
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	f.d.Workers = 3
	stop := start(t, f.d)
	msgs := bodies("m", 25)
	servetest.Publish(t, f.queue, msgs...)
	waitFor(t, "25 messages handled", func() bool { return rec.distinct() == 25 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, consumers := servetest.Counts(t, f.queue); ready != 0 || consumers != 0 {
		t.Errorf("after shutdown: %d ready, %d consumers; want 0, 0", ready, consumers)
	}
	for _, m := range msgs {
		if n := rec.seen(string(m)); n != 1 {
			t.Errorf("%s handled %d times", m, n)
		}
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked"); got != 25 {
		t.Errorf("acked = %v, want 25", got)
	}
}

func TestIntegrationSettlesByHandlerResult(t *testing.T) {
	tests := []struct {
		name       string
		result     func(n int) error
		wantCalls  int
		wantAcked  float64
		wantReject float64
		wantRequeu float64
		wantReason string // of the rejection
	}{
		{"nil acks", func(int) error { return nil }, 1, 1, 0, 0, ""},
		{"permanent rejects without requeue", func(int) error { return serve.Permanent(errors.New("no inject_id")) }, 1, 0, 1, 0, "no inject_id"},
		{"transient: handled again by its worker, then acks", func(n int) error {
			if n == 1 {
				return errors.New("callback: 503")
			}
			return nil
		}, 2, 1, 0, 0, ""},
		{"a panic is handled again once, then rejects", func(int) error { panic("handler bug") }, 2, 0, 1, 0, "handler panic: handler bug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(func(_ string, n int) error { return tt.result(n) })
			f := newFixture(t, rec)
			start(t, f.d)
			servetest.Publish(t, f.queue, []byte(`{"injection":{}}`))
			waitFor(t, "the message settled", func() bool {
				return servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked")+
					servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") > 0
			})
			if got := rec.calls(); got != tt.wantCalls {
				t.Errorf("handler called %d times, want %d", got, tt.wantCalls)
			}
			f.messagesCounted(t, map[string]float64{"acked": tt.wantAcked, "rejected": tt.wantReject, "requeued": tt.wantRequeu})
			if got := servetest.Metric(t, f.metrics, "injectkit_redeliveries_total"); got != tt.wantRequeu {
				t.Errorf("redeliveries = %v, want %v", got, tt.wantRequeu)
			}
			if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
				t.Errorf("%d messages left in the queue", ready)
			}
			if tt.wantReject > 0 {
				entries := f.logs.FilterMessage("message rejected without requeue").All()
				if len(entries) != 1 || entries[0].ContextMap()["reason"] != tt.wantReason {
					t.Errorf("rejection not logged with its reason: %v", entries)
				}
			}
		})
	}
}

func TestIntegrationBoundsConcurrencyAndPrefetch(t *testing.T) {
	release := make(chan struct{})
	var cur, peak atomic.Int32
	rec := newRecorder(func(string, int) error {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		cur.Add(-1)
		return nil
	})
	f := newFixture(t, rec)
	f.d.Workers = 2
	start(t, f.d)
	servetest.Publish(t, f.queue, bodies("b", 6)...)
	waitFor(t, "two messages in flight", func() bool { return cur.Load() == 2 })
	if got := servetest.Metric(t, f.metrics, "injectkit_injects_in_flight"); got != 2 {
		t.Errorf("in-flight gauge = %v, want 2", got)
	}
	// The prefetch is the worker count: the broker keeps the other four.
	if ready, consumers := servetest.Counts(t, f.queue); ready != 4 || consumers != 1 {
		t.Errorf("queue: %d ready, %d consumers; want 4, 1", ready, consumers)
	}
	close(release)
	waitFor(t, "six messages handled", func() bool { return rec.distinct() == 6 })
	if p := peak.Load(); p != 2 {
		t.Errorf("peak concurrency %d, want 2", p)
	}
}

func TestIntegrationShutdownLetsInFlightFinish(t *testing.T) {
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	var finished atomic.Bool
	rec := newRecorder(func(string, int) error {
		started <- struct{}{}
		<-release
		finished.Store(true)
		return nil
	})
	f := newFixture(t, rec)
	f.d.Workers = 1
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, bodies("s", 3)...)
	stopped := f.stopInFlight(t, stop, started)
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) with an inject in flight", err)
	default:
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !finished.Load() {
		t.Fatal("Run returned before the inject in flight finished")
	}
	if rec.calls() != 1 {
		t.Errorf("handled %d messages after the shutdown began, want 1", rec.calls())
	}
	if ready, consumers := servetest.Counts(t, f.queue); ready != 2 || consumers != 0 {
		t.Errorf("queue: %d ready, %d consumers; want the 2 unhandled, 0", ready, consumers)
	}
}

func TestIntegrationShutdownTimeoutRequeues(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	rec := newRecorder(func(string, int) error { <-block; return nil })
	f := newFixture(t, rec)
	f.d.Workers = 2
	f.d.ShutdownTimeout = 200 * time.Millisecond
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, bodies("t", 2)...)
	waitFor(t, "two messages in flight", func() bool { return rec.calls() == 2 })
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, f.queue); ready != 2 {
		t.Errorf("%d messages back in the queue, want the 2 unfinished", ready)
	}
	if f.logs.FilterMessage("shutdown timeout: requeued the unfinished injects").Len() != 1 {
		t.Error("the requeue at the shutdown timeout is not logged")
	}
}

// While a stop waits for an inject in flight, its message settles on the
// connection still open: /healthz is 503 (not ready) saying so, and the
// broker is still reported connected, until the connection is closed.
func TestIntegrationHealthWhileShuttingDown(t *testing.T) {
	rec, started, release := holdingRecorder()
	f := newFixture(t, rec)
	f.d.Workers = 1
	url := f.listen(t, time.Minute)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, bodies("h", 1)...)
	stopped := f.stopInFlight(t, stop, started)
	code, h := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || !h.BrokerConnected || h.Reason != serve.ShuttingDownReason(1) {
		t.Errorf("/healthz while draining: %d %+v; want 503, broker_connected, reason %q", code, h, serve.ShuttingDownReason(1))
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_broker_connected"); got != 1 {
		t.Errorf("injectkit_broker_connected %v while draining, want 1", got)
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_broker_connected"); got != 0 {
		t.Errorf("injectkit_broker_connected %v once stopped, want 0", got)
	}
	if n := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked"); n != 1 {
		t.Errorf("%v messages acked, want the one in flight", n)
	}
}

// A connection lost while a stop waits for an inject in flight is
// reported so then (one WARN line, /healthz broker_connected false,
// injectkit_broker_connected 0), not once the drain ends.
func TestIntegrationConnectionLostWhileShuttingDown(t *testing.T) {
	rec, started, release := holdingRecorder()
	f := newFixture(t, rec)
	f.d.Workers = 1
	p := f.throughProxy(t, nil)
	url := f.listen(t, time.Minute)
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, bodies("h", 1)...)
	stopped := f.stopInFlight(t, stop, started)
	p.cut()
	waitFor(t, "the connection's loss logged", func() bool {
		return f.logs.FilterMessage("broker connection lost while stopping").Len() == 1
	})
	code, h := servetest.Health(t, url)
	if code != http.StatusServiceUnavailable || h.BrokerConnected {
		t.Errorf("/healthz once the connection is lost while draining: %d %+v; want 503, broker not connected", code, h)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_broker_connected"); got != 0 {
		t.Errorf("injectkit_broker_connected %v once the connection is lost while draining, want 0", got)
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run = %v", err)
	}
}
