package serve_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
)

// Tests of the daemon's broker connection and platform registration:
// broker loss, TLS, heartbeats and health, a moved queue, credentials.

// holdingSlow is a recorder whose first handling of a body saying "slow"
// waits until release is closed: inFlight receives once it waits.
func holdingSlow() (rec *recorder, inFlight <-chan struct{}, release chan struct{}) {
	held := make(chan struct{}, 1)
	release = make(chan struct{})
	rec = newRecorder(func(body string, n int) error {
		if strings.Contains(body, "slow") && n == 1 {
			held <- struct{}{}
			<-release
		}
		return nil
	})
	return rec, held, release
}

// releasedBeforeStop returns a function that closes release once, and
// closes it at the test's end if the test did not. Called after start,
// its cleanup runs before the daemon's stop (cleanups run last first), so
// a handling still held does not keep the stop waiting.
func releasedBeforeStop(t *testing.T, release chan struct{}) func() {
	free := sync.OnceFunc(func() { close(release) })
	t.Cleanup(free)
	return free
}

func TestIntegrationReconnectsAfterBrokerLoss(t *testing.T) {
	rec, inFlight, release := holdingSlow()
	f := newFixture(t, rec)
	p := f.throughProxy(t, nil)
	start(t, f.d)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	calls := f.reg.count()
	p.cut()
	waitFor(t, "a re-registration", func() bool { return f.reg.count() > calls })
	waitFor(t, "a reconnection", func() bool { return servetest.Metric(t, f.metrics, "injectkit_broker_reconnects_total") == 1 })
	waitFor(t, "the broker connected again", func() bool { return servetest.Metric(t, f.metrics, "injectkit_broker_connected") == 1 })
	// The inject in flight finishes; its ack died with the channel, so the
	// broker redelivers it: at least once, never lost.
	close(release)
	// Its worker freed, the consumer is replaced by one of the larger
	// prefetch (a third "consuming"): a message it had pushed meanwhile
	// goes back unhandled and comes back flagged, one more redelivery
	// (README: counted received and redelivered). The later messages are
	// published once it has been replaced.
	waitFor(t, "the consumer replaced with the prefetch of both workers", func() bool {
		return f.logs.FilterMessage("consuming").FilterField(zap.Int("prefetch", 2)).Len() == 2
	})
	servetest.Publish(t, f.queue, bodies("after", 5)...)
	waitFor(t, "every message handled", func() bool { return rec.distinct() == 6 && rec.seen(`{"n":"slow"}`) == 2 })
	if got := servetest.Metric(t, f.metrics, "injectkit_redeliveries_total"); got != 1 {
		t.Errorf("redeliveries = %v, want 1", got)
	}
	// The WARN says what happened and what the daemon does next, the
	// inject in flight named by the count of those left running.
	lost := f.logs.FilterMessage(connLostLine).All()
	if len(lost) != 1 {
		t.Fatalf("%d WARN %q, want 1; lines: %v", len(lost), connLostLine, f.logs.FilterMessageSnippet("broker connection lost").All())
	}
	if got := lost[0].ContextMap()["in_flight"]; got != int64(1) {
		t.Errorf("WARN %q: in_flight = %v, want 1 (the slow inject)", connLostLine, got)
	}
}

// connLostLine is the WARN of a broker connection lost while consuming:
// what happened, and what the daemon does next.
const connLostLine = "broker connection lost: registering again and reconnecting; " +
	"the injects in flight run on, their acknowledgement lost with the connection"

// TestIntegrationCopyAfterBrokerLossHasItsOwnDelivery is reviewer r18's
// finding: delivery tags count per channel from 1, so the copy of a
// message the broker delivers again, on the channel of the next
// connection, had the delivery_tag of the first handling still in flight,
// and their lines could not be told apart. DeliveryField carries the
// channel's number in the daemon too: the two handlings differ by it.
func TestIntegrationCopyAfterBrokerLossHasItsOwnDelivery(t *testing.T) {
	inFlight := make(chan struct{}, 1)
	release := make(chan struct{})
	var mu sync.Mutex
	var seen []map[string]any // each handling's DeliveryField
	h := serve.HandlerFunc(func(ctx context.Context, _ []byte) error {
		enc := zapcore.NewMapObjectEncoder()
		serve.DeliveryField(ctx).AddTo(enc)
		mu.Lock()
		seen = append(seen, enc.Fields)
		n := len(seen)
		mu.Unlock()
		if n == 1 {
			inFlight <- struct{}{}
			<-release
		}
		return nil
	})
	f := newFixture(t, h)
	p := f.throughProxy(t, nil)
	start(t, f.d)

	servetest.Publish(t, f.queue, []byte(`{"n":"slow"}`))
	<-inFlight
	t.Cleanup(func() { close(release) }) // before the daemon's stop
	p.cut()
	handled := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }
	waitFor(t, "the copy handled on the next connection", func() bool { return handled() == 2 })
	mu.Lock()
	defer mu.Unlock()
	first, copied := seen[0], seen[1]
	t.Logf("first handling %v, its copy %v", first, copied)
	for _, d := range seen {
		if d["channel"] == nil || d["delivery_tag"] == nil {
			t.Fatalf("DeliveryField gave %v, want channel and delivery_tag", d)
		}
	}
	if fmt.Sprint(first) == fmt.Sprint(copied) {
		t.Errorf("the first handling and its copy have one delivery %v: their lines cannot be told apart", first)
	}
}

func TestIntegrationConsumesOverTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	f.throughProxy(t, &tls.Config{Certificates: []tls.Certificate{cert}})
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
	f.throughProxy(t, &tls.Config{Certificates: []tls.Certificate{cert}})
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
	url := f.listen(t, 30*time.Millisecond)
	start(t, f.d)
	health := func() (int, serve.Health) { return servetest.Health(t, url) }
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

// TestIntegrationHealthNamesAMissingQueue checks that /healthz, while the
// queue the registration names is deleted from the broker (the connection
// works, consuming answers 404 NOT_FOUND), says that the queue does not
// exist, not that the broker is unreachable, and is healthy again once the
// queue is back.
func TestIntegrationHealthNamesAMissingQueue(t *testing.T) {
	rec := newRecorder(nil)
	f := newFixture(t, rec)
	url := f.listen(t, time.Hour)
	start(t, f.d)
	healthy := func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK }
	waitFor(t, "healthy", healthy)

	servetest.DeleteQueue(t, f.queue)
	want := serve.QueueMissingReason(f.queue)
	var last serve.Health
	waitFor(t, "the missing queue reported", func() bool {
		code, h := servetest.Health(t, url)
		last = h
		return code == http.StatusServiceUnavailable && h.Reason == want
	})
	if !strings.Contains(want, f.queue) || last.Status != "unavailable" {
		t.Errorf("health %+v, want unavailable naming the queue %s", last, f.queue)
	}
	if f.logs.FilterMessageSnippet(want).Len() == 0 {
		t.Error("the missing queue is not logged")
	}

	servetest.DeclareQueue(t, f.queue)
	waitFor(t, "healthy again once the queue exists", healthy)
	servetest.Publish(t, f.queue, []byte(`{"n":"after"}`))
	waitFor(t, "the queue consumed again", func() bool { return rec.seen(`{"n":"after"}`) == 1 })
}

// TestIntegrationMissingQueueRegistersOncePerInterval checks that the
// retries to consume a queue the broker does not have (404 NOT_FOUND)
// stay cheap: one re-registration, which has the platform create it, then
// none until a heartbeat interval has passed. Each retry registered, a
// few a second, however long the heartbeat interval.
func TestIntegrationMissingQueueRegistersOncePerInterval(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	f.listen(t, time.Hour)
	servetest.DeleteQueue(t, f.queue)
	start(t, f.d)
	missing := serve.QueueMissingReason(f.queue)
	waitFor(t, "five retries to consume the missing queue", func() bool { return f.logs.FilterMessageSnippet(missing).Len() >= 5 })
	if got := f.reg.count(); got != 2 {
		t.Errorf("%d registrations after 5 retries to consume a missing queue, want 2: the first and one re-registration", got)
	}
}

// TestIntegrationEachOutageRegistersAtItsFirstRetry: a queue deleted a
// second time within a heartbeat interval has the daemon register again
// at its first retry, as the first deletion did: the registration is
// what has the platform create the queue, and the platform's messages
// for it meanwhile are routed nowhere and lost. The second outage
// registered only once a heartbeat interval had passed since the first
// outage's registration (40 s by default: 35 s of a missing queue, an
// inject published then lost, seen against the real broker and the
// stand-in).
func TestIntegrationEachOutageRegistersAtItsFirstRetry(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	f.listen(t, time.Hour)
	start(t, f.d)
	missing := serve.QueueMissingReason(f.queue)
	for outage := 1; outage <= 2; outage++ {
		waitFor(t, "consuming", func() bool { return f.logs.FilterMessage("consuming").Len() == outage })
		before := f.logs.FilterMessageSnippet(missing).Len()
		servetest.DeleteQueue(t, f.queue)
		waitFor(t, "three retries to consume the missing queue", func() bool {
			return f.logs.FilterMessageSnippet(missing).Len() >= before+3
		})
		if got, want := f.reg.count(), 1+outage; got != want {
			t.Fatalf("outage %d: %d registrations, want %d: the first and one at the first retry of each outage", outage, got, want)
		}
		servetest.DeclareQueue(t, f.queue) // as the platform does on the registration
	}
}

// heldRegistrar answers the first registrations as its registrar does;
// once hold is set, each one waits for its context to end, telling held.
type heldRegistrar struct {
	*registrar
	hold atomic.Bool
	held chan struct{}
}

func (r *heldRegistrar) Register(ctx context.Context) (serve.Registration, error) {
	if !r.hold.Load() {
		return r.registrar.Register(ctx)
	}
	select {
	case r.held <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return serve.Registration{}, ctx.Err()
}

// TestIntegrationStopDuringReconnectConsumesNothing: a stop that comes
// while the daemon, its connection lost, registers again before it
// reconnects (the platform slow to answer) ends the daemon. Before, the
// registration cut short by the stop was followed by the reconnection
// all the same: the daemon logged "consuming" after "stopping
// gracefully", the broker pushed it the queue's messages, and the stop
// returned them (requeued, flagged redelivered: on a quorum queue, one
// delivery counted against its limit), or a worker took one after the
// stop.
func TestIntegrationStopDuringReconnectConsumesNothing(t *testing.T) {
	var handled atomic.Int32
	f := newFixture(t, serve.HandlerFunc(func(context.Context, []byte) error { handled.Add(1); return nil }))
	p := f.throughProxy(t, nil)
	reg := &heldRegistrar{registrar: f.reg, held: make(chan struct{}, 1)}
	f.d.Registrar = reg
	stop := start(t, f.d)
	waitFor(t, "consuming", func() bool { return f.logs.FilterMessage("consuming").Len() == 1 })

	reg.hold.Store(true)
	p.cut()
	<-reg.held // the re-registration before the reconnection waits on the platform
	servetest.Publish(t, f.queue, []byte(`{"n":"after the loss"}`))
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if n := f.logs.FilterMessage("consuming").Len(); n != 1 {
		t.Errorf("logged %d \"consuming\" lines, want 1: the daemon consumed again after the stop", n)
	}
	if got := servetest.Metric(t, f.metrics, "injectkit_messages_total", "outcome", "requeued"); got != 0 || handled.Load() != 0 {
		t.Errorf("%v messages requeued, %d handled; want none: the message published is not the stopped daemon's", got, handled.Load())
	}
	if ready, consumers := servetest.Counts(t, f.queue); ready != 1 || consumers != 0 {
		t.Errorf("the queue holds %d messages ready, %d consumers; want the message, no consumer", ready, consumers)
	}
}
