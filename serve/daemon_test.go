package serve_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

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
	if testing.Short() {
		t.Skip("integration test: needs RabbitMQ")
	}
	b := servetest.Broker(t)
	f := &fixture{queue: servetest.Queue(t), metrics: prometheus.NewRegistry()}
	f.reg = &registrar{reg: serve.Registration{Broker: b, Queue: f.queue}}
	core, logs := observer.New(zap.DebugLevel)
	f.logs = logs
	f.d = &serve.Daemon{
		Registrar: f.reg, Handler: h, Workers: 2,
		ShutdownTimeout: 10 * time.Second, RequeueDelay: 10 * time.Millisecond,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Name: "injectkit-" + t.Name(), Log: zap.New(core), Metrics: serve.NewMetrics(f.metrics),
	}
	return f
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
	if got := metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked"); got != 25 {
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
	}{
		{"nil acks", func(int) error { return nil }, 1, 1, 0, 0},
		{"permanent rejects without requeue", func(int) error { return serve.Permanent(errors.New("no inject_id")) }, 1, 0, 1, 0},
		{"transient requeues then acks", func(n int) error {
			if n == 1 {
				return errors.New("callback: 503")
			}
			return nil
		}, 2, 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(func(_ string, n int) error { return tt.result(n) })
			f := newFixture(t, rec)
			start(t, f.d)
			servetest.Publish(t, f.queue, []byte(`{"injection":{}}`))
			waitFor(t, "the message settled", func() bool {
				return metric(t, f.metrics, "injectkit_messages_total", "outcome", "acked")+
					metric(t, f.metrics, "injectkit_messages_total", "outcome", "rejected") > 0
			})
			if got := rec.calls(); got != tt.wantCalls {
				t.Errorf("handler called %d times, want %d", got, tt.wantCalls)
			}
			for outcome, want := range map[string]float64{"acked": tt.wantAcked, "rejected": tt.wantReject, "requeued": tt.wantRequeu} {
				if got := metric(t, f.metrics, "injectkit_messages_total", "outcome", outcome); got != want {
					t.Errorf("%s = %v, want %v", outcome, got, want)
				}
			}
			if got := metric(t, f.metrics, "injectkit_redeliveries_total"); got != tt.wantRequeu {
				t.Errorf("redeliveries = %v, want %v", got, tt.wantRequeu)
			}
			if ready, _ := servetest.Counts(t, f.queue); ready != 0 {
				t.Errorf("%d messages left in the queue", ready)
			}
			if tt.wantReject > 0 {
				entries := f.logs.FilterMessage("message rejected without requeue").All()
				if len(entries) != 1 || entries[0].ContextMap()["reason"] != "no inject_id" {
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
	if got := metric(t, f.metrics, "injectkit_injects_in_flight"); got != 2 {
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
	var finished atomic.Bool
	rec := newRecorder(func(string, int) error {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		finished.Store(true)
		return nil
	})
	f := newFixture(t, rec)
	f.d.Workers = 1
	stop := start(t, f.d)
	servetest.Publish(t, f.queue, bodies("s", 3)...)
	<-started
	if err := stop(); err != nil {
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

func TestIntegrationReconnectsAfterBrokerLoss(t *testing.T) {
	inFlight := make(chan struct{}, 1)
	release := make(chan struct{})
	rec := newRecorder(func(body string, n int) error {
		if strings.Contains(body, "slow") && n == 1 {
			inFlight <- struct{}{}
			<-release
		}
		return nil
	})
	f := newFixture(t, rec)
	p := newProxy(t, servetest.Addr, nil)
	b := f.reg.reg.Broker
	b.Port = p.port()
	f.reg.set(serve.Registration{Broker: b, Queue: f.queue}, nil)
	start(t, f.d)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	calls := f.reg.count()
	p.cut()
	waitFor(t, "a re-registration", func() bool { return f.reg.count() > calls })
	waitFor(t, "a reconnection", func() bool { return metric(t, f.metrics, "injectkit_broker_reconnects_total") == 1 })
	waitFor(t, "the broker connected again", func() bool { return metric(t, f.metrics, "injectkit_broker_connected") == 1 })
	// The inject in flight finishes; its ack died with the channel, so the
	// broker redelivers it: at least once, never lost.
	close(release)
	servetest.Publish(t, f.queue, bodies("after", 5)...)
	waitFor(t, "every message handled", func() bool { return rec.distinct() == 6 && rec.seen(`{"n":"slow"}`) == 2 })
	if got := metric(t, f.metrics, "injectkit_redeliveries_total"); got != 1 {
		t.Errorf("redeliveries = %v, want 1", got)
	}
	if f.logs.FilterMessage("broker connection lost").Len() == 0 {
		t.Error("the broker loss is not logged")
	}
}

func TestIntegrationConsumesOverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	p := newProxy(t, servetest.Addr, &tls.Config{Certificates: []tls.Certificate{cert}})
	b := f.reg.reg.Broker
	b.Port, b.TLS = p.port(), true
	f.reg.set(serve.Registration{Broker: b, Queue: f.queue}, nil)
	f.d.TLSConfig = &tls.Config{RootCAs: pool}
	start(t, f.d)
	servetest.Publish(t, f.queue, bodies("tls", 3)...)
	waitFor(t, "three messages over TLS", func() bool { return rec.distinct() == 3 })
	if entries := f.logs.FilterMessage("consuming").All(); len(entries) == 0 ||
		!strings.HasPrefix(entries[0].ContextMap()["broker"].(string), "amqps://") {
		t.Errorf("consuming log = %v, want an amqps broker", entries)
	}
}

func TestIntegrationUntrustedTLSIsRefused(t *testing.T) {
	cert, _ := selfSigned(t)
	f := newFixture(t, newRecorder(nil))
	p := newProxy(t, servetest.Addr, &tls.Config{Certificates: []tls.Certificate{cert}})
	b := f.reg.reg.Broker
	b.Port, b.TLS = p.port(), true
	f.reg.set(serve.Registration{Broker: b, Queue: f.queue}, nil)
	start(t, f.d)
	waitFor(t, "a refused connection", func() bool { return f.logs.FilterMessage("broker connection failed").Len() > 0 })
	err, _ := f.logs.FilterMessage("broker connection failed").All()[0].ContextMap()["error"].(string)
	if !strings.Contains(err, "certificate") {
		t.Errorf("error %q does not mention the certificate", err)
	}
}

func TestIntegrationHeartbeatAndHealth(t *testing.T) {
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.d.Listener = ln
	f.d.HeartbeatInterval = 30 * time.Millisecond
	start(t, f.d)
	url := "http://" + ln.Addr().String()
	health := func() (int, serve.Health) {
		resp, err := http.Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h serve.Health
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, h
	}
	waitFor(t, "healthy", func() bool { code, _ := health(); return code == http.StatusOK })
	waitFor(t, "three heartbeats", func() bool { return f.reg.count() >= 4 })

	// A failing platform: heartbeats fail, are logged and retried; the
	// daemon keeps consuming.
	f.reg.set(f.reg.reg, errors.New("platform: 502 bad gateway"))
	waitFor(t, "unhealthy", func() bool { code, _ := health(); return code == http.StatusServiceUnavailable })
	code, h := health()
	if code != http.StatusServiceUnavailable || !h.BrokerConnected || h.HeartbeatOK || h.LastHeartbeat == "" {
		t.Errorf("health while the platform fails: %d %+v", code, h)
	}
	servetest.Publish(t, f.queue, []byte(`{"n":"during outage"}`))
	waitFor(t, "a message handled during the outage", func() bool { return rec.calls() == 1 })
	calls := f.reg.count()
	waitFor(t, "heartbeat retries", func() bool { return f.reg.count() >= calls+2 })
	if f.logs.FilterMessage("heartbeat failed").Len() == 0 {
		t.Error("failed heartbeats are not logged")
	}
	f.reg.set(serve.Registration{Broker: f.reg.reg.Broker, Queue: f.queue}, nil)
	waitFor(t, "healthy again", func() bool { code, _ := health(); return code == http.StatusOK })

	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`injectkit_heartbeats_total{result="error"}`, `injectkit_heartbeats_total{result="ok"}`,
		`injectkit_messages_total{outcome="acked"} 1`, "injectkit_broker_connected 1", "injectkit_injects_in_flight 0"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestIntegrationFollowsARegistrationChange(t *testing.T) {
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	f.d.HeartbeatInterval = 30 * time.Millisecond
	start(t, f.d)
	servetest.Publish(t, f.queue, []byte(`{"n":"first"}`))
	waitFor(t, "the first message", func() bool { return rec.calls() == 1 })
	second := servetest.Queue(t)
	f.reg.set(serve.Registration{Broker: f.reg.reg.Broker, Queue: second}, nil)
	waitFor(t, "consuming the new queue", func() bool { _, c := servetest.Counts(t, second); return c == 1 })
	if _, c := servetest.Counts(t, f.queue); c != 0 {
		t.Errorf("still consuming the old queue: %d consumers", c)
	}
	servetest.Publish(t, second, []byte(`{"n":"second"}`))
	waitFor(t, "the second message", func() bool { return rec.seen(`{"n":"second"}`) == 1 })
}

func TestIntegrationCredentialsNeverLogged(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	b := f.reg.reg.Broker
	b.Pass = "s3cret-broker-pass"
	f.reg.set(serve.Registration{Broker: b, Queue: f.queue}, nil)
	start(t, f.d)
	waitFor(t, "a refused login", func() bool { return f.logs.FilterMessage("broker connection failed").Len() >= 1 })
	for _, e := range f.logs.All() {
		line := e.Message + fmt.Sprint(e.ContextMap())
		if strings.Contains(line, "s3cret-broker-pass") {
			t.Fatalf("broker password logged: %s", line)
		}
	}
}
