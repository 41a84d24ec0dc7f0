package openaev_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// daemon returns a daemon consuming for s from queue on broker, as the
// stand-in's registration names them, with /healthz on url.
func (s *serveEnv) daemon(t *testing.T, broker serve.Broker, queue string) (d *serve.Daemon, url string) {
	t.Helper()
	s.platform.SetBroker(servetest.PlatformBroker(broker, queue))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &serve.Daemon{Registrar: s.registrar, Handler: s.handler, Workers: 2, ShutdownTimeout: 10 * time.Second,
		RequeueDelay: 10 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		Listener: ln, Name: "injectkit-test", Log: s.log, Metrics: s.metrics}, "http://" + ln.Addr().String()
}

// run runs d until the test ends.
func run(t *testing.T, d *serve.Daemon) {
	t.Helper()
	r := testkit.Go(t, "Run", d.Run)
	t.Cleanup(func() {
		if err := r.Stop(t); err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

func integration(t *testing.T) (serve.Broker, string) {
	t.Helper()
	testkit.Integration(t)
	return servetest.Broker(t), servetest.Queue(t)
}

// TestIntegrationServeInjectorSelection checks that serve registers and
// consumes for the injectors selected only: noop only when named.
func TestIntegrationServeInjectorSelection(t *testing.T) {
	tests := []struct {
		setting       string
		served, other string
	}{
		{"", "nmap", "noop"},
		{"noop", "noop", "nmap"},
	}
	for _, tt := range tests {
		t.Run("injectors="+tt.setting, func(t *testing.T) {
			broker, queue := integration(t)
			s := newServeEnv(t, serveOpts{injectors: tt.setting})
			d, _ := s.daemon(t, broker, queue)
			run(t, d)
			testkit.WaitFor(t, testkit.Hang, "a registration", func() bool { return len(s.platform.Registrations()) > 0 })
			if _, ok := s.platform.ContractOutputs(openaev.ContractID(tt.served)); !ok {
				t.Errorf("%s not registered", tt.served)
			}
			if _, ok := s.platform.ContractOutputs(openaev.ContractID(tt.other)); ok {
				t.Errorf("%s registered", tt.other)
			}
			servetest.Publish(t, queue,
				s.message(t, "i-served", tt.served, map[string]any{"targets": "192.0.2.1"}, nil, nil),
				s.message(t, "i-other", tt.other, map[string]any{"targets": "192.0.2.1"}, nil, nil))
			testkit.WaitFor(t, testkit.Hang, "both terminal callbacks", func() bool {
				return len(s.platform.Completions("i-served")) == 1 && len(s.platform.Completions("i-other")) == 1
			})
			if st := s.platform.InjectStatus("i-served"); st != "EXECUTED" {
				t.Errorf("served inject %s", st)
			}
			other, _ := s.platform.Terminal("i-other")
			if other.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(other.Body["execution_message"].(string), "the contract of injectkit's "+tt.other+" injector, not served by this deployment (--injectors "+tt.served+")") {
				t.Errorf("inject of an injector not served: %v", other.Body)
			}
		})
	}
}

// TestIntegrationServeRedeliveredFinishedInject checks that a redelivered
// message of an inject the platform already finished (the consumer died
// between the platform's 2xx and its acknowledgement) is acknowledged
// without running again, and that the platform records no reopening.
func TestIntegrationServeRedeliveredFinishedInject(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{outbox: true})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	s.completeFirst(t) // the run whose acknowledgement was lost
	servetest.Publish(t, queue, body)
	servetest.Redeliver(t, queue)
	d, _ := s.daemon(t, broker, queue)
	run(t, d)
	testkit.WaitFor(t, testkit.Hang, "the message settled", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want once", n)
	}
	if r, c := s.platform.Reopenings("i-1"), len(s.platform.Completions("i-1")); r != 0 || c != 1 {
		t.Errorf("%d reopenings, %d completions; want 0, 1", r, c)
	}
	if servetest.Metric(t, s.prom, "injectkit_redeliveries_total") != 1 {
		t.Error("the message was not redelivered")
	}
	if s.logs.FilterMessageSnippet("redelivered message of a finished inject").Len() != 1 {
		t.Error("the skipped run is not logged")
	}
}

// TestIntegrationServeUnauthorizedComplete checks that a terminal callback
// refused for authorization (401, or, on a 1.x platform, 404 on an inject
// just received) runs
// each inject exactly once, keeps its body pending in the outbox, turns
// /healthz unhealthy with the reason, and pauses the consumption after
// three in a row until a registration succeeds; the bodies are delivered
// later, once each.
func TestIntegrationServeUnauthorizedComplete(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusNotFound} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			broker, queue := integration(t)
			// From 2.0.0 on, a 404 is an inject deleted; 1.x answers 404
			// for access denied.
			s := newServeEnv(t, serveOpts{outbox: true, platform: []openaevtest.Option{openaevtest.WithVersionString("1.18.19")}})
			d, url := s.daemon(t, broker, queue)
			d.HeartbeatInterval = 20 * time.Millisecond
			run(t, d)
			testkit.WaitFor(t, testkit.Hang, "healthy", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })
			s.platform.FailRegistration(http.StatusServiceUnavailable, 1<<30)
			var ids []string
			for i := range serve.DefaultAuthFailures {
				id := fmt.Sprintf("i-%d", i)
				s.platform.FailComplete(id, status, 1)
				servetest.Publish(t, queue, s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
				ids = append(ids, id)
			}
			testkit.WaitFor(t, testkit.Hang, "the consumption paused", func() bool {
				return servetest.Metric(t, s.prom, "injectkit_consumption_paused") == 1
			})
			if n := s.nmap.calls.Load(); n != int32(len(ids)) {
				t.Errorf("nmap ran %d times for %d injects", n, len(ids))
			}
			if got := s.records(t); got[outbox.Pending] != len(ids) || got[outbox.Dead] != 0 {
				t.Errorf("outbox %v, want %d pending, none dead", got, len(ids))
			}
			code, h := servetest.Health(t, url)
			if code != http.StatusServiceUnavailable || h.Reason != serve.ReasonUnauthorized || !h.Paused {
				t.Errorf("health %d %+v", code, h)
			}
			// The gauge is set before the consume loop cancels its
			// consumer: wait for the broker to see it gone.
			testkit.WaitFor(t, testkit.Hang, "the refused acknowledged and no consumer", func() bool {
				ready, consumers := servetest.Counts(t, queue)
				return ready == 0 && consumers == 0
			})
			servetest.Publish(t, queue, s.message(t, "i-next", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
			if ready, _ := servetest.Counts(t, queue); ready != 1 {
				t.Errorf("%d ready while paused", ready)
			}
			s.platform.FailRegistration(http.StatusServiceUnavailable, 0)
			testkit.WaitFor(t, testkit.Hang, "the next inject completed", func() bool { return len(s.platform.Completions("i-next")) == 1 })
			testkit.WaitFor(t, testkit.Hang, "healthy again", func() bool { code, _ := servetest.Health(t, url); return code == http.StatusOK })

			// The kept bodies are delivered once the platform accepts them.
			rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns,
				Client: func(string) (outbox.Poster, error) { return s.profile, nil }}
			if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != len(ids) {
				t.Fatalf("flush %+v %v", res, err)
			}
			for _, id := range ids {
				if c := len(s.platform.Completions(id)); c != 1 {
					t.Errorf("%s completed %d times", id, c)
				}
			}
			if n := s.nmap.calls.Load(); n != int32(len(ids)+1) {
				t.Errorf("nmap ran %d times, want %d", n, len(ids)+1)
			}
		})
	}
}

// TestIntegrationServeBodiesAndTraces checks, through the daemon, that
// signatures above the max payload size are split into complete and data
// callbacks under the limit whose union the platform stores, and that
// per-target traces go to a Current platform only.
func TestIntegrationServeBodiesAndTraces(t *testing.T) {
	const limit, targets = 16 << 10, 40
	tests := []struct {
		version             openaevtest.Version
		wantData, wantTrace bool
	}{
		{openaevtest.Current, true, true},
		{openaevtest.Version24, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.version.String(), func(t *testing.T) {
			broker, queue := integration(t)
			s := newServeEnv(t, serveOpts{version: tt.version, outbox: true, limit: limit})
			d, _ := s.daemon(t, broker, queue)
			run(t, d)
			testkit.WaitFor(t, testkit.Hang, "a registration", func() bool { return len(s.platform.Registrations()) > 0 })
			servetest.Publish(t, queue, nmapAssetsMessage(t, s.env, "i-big", targets))
			testkit.WaitFor(t, testkit.Hang, "the message settled", func() bool {
				return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked") == 1
			})
			var data, perTarget int
			var union []openaevtest.Signature
			for _, c := range s.platform.Calls("i-big") {
				if len(c.Raw) > limit {
					t.Errorf("%s of %d bytes", c.Kind, len(c.Raw))
				}
				if _, ok := c.Body["execution_context_identifiers"]; ok {
					perTarget++
				}
				if c.Kind == openaevtest.KindData {
					data++
				}
				if !c.Processed() && c.Kind != openaevtest.KindReception {
					t.Errorf("%s %s: %s", c.Kind, c.Outcome, c.Reason)
				}
				union = append(union, c.Signatures...)
			}
			if (data > 0) != tt.wantData || (perTarget == targets) != tt.wantTrace || (perTarget > 0) != tt.wantTrace {
				t.Errorf("%d data callbacks, %d per-target traces", data, perTarget)
			}
			if got, want := stored(s.platform, "i-big"), signatureSet(union); strings.Join(got, ",") != strings.Join(want, ",") ||
				(tt.wantData && len(got) != targets*2*4) {
				t.Errorf("stored %d signatures, the bodies carried %d", len(got), len(want))
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v after a delivery", got)
			}
		})
	}
}

// TestIntegrationServeRejectsATooLargeMessage checks that a message over
// the max message size is rejected unread, without requeue, and that the
// inject its head names (the platform writes inject_id first, before a
// large inject_content) gets its terminal INVALID_USAGE. The daemon's
// limit is 1 MiB here (--max-message-size), not the default 16 MiB: the
// path is the same (the message far past the head the handler is
// shown), and a 16 MiB message took the raced test past its 2 minutes on
// a loaded machine (built, published and delivered in 50 s to 3 min).
func TestIntegrationServeRejectsATooLargeMessage(t *testing.T) {
	const limit = 1 << 20
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{})
	d, _ := s.daemon(t, broker, queue)
	d.MaxMessageSize = limit
	run(t, d)
	body := s.message(t, "i-huge", "nmap", map[string]any{"targets": "192.0.2.1",
		"padding": strings.Repeat("x", limit)}, nil, nil)
	servetest.Publish(t, queue, body)
	testkit.WaitFor(t, testkit.Hang, "the rejection", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "rejected") == 1
	})
	term, ok := s.platform.Terminal("i-huge")
	if !ok || term.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(fmt.Sprint(term.Body["execution_message"]), "max_message_size") {
		t.Errorf("the inject was not told INVALID_USAGE: %v", kinds(s.platform.Calls("i-huge")))
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Errorf("nmap ran %d times", n)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d ready: the message was requeued", ready)
	}
	if s.logs.FilterMessage("message rejected without requeue").Len() != 1 {
		t.Error("the rejection is not logged")
	}
}

// TestIntegrationServeAssetGroupPagingFailures checks, through the daemon
// on a real broker, that a message whose asset-group members the platform
// fails to list (5xx, 429, after every attempt) is no invalid message: the
// platform is told nothing (no reception, no ERROR), the worker keeps the
// message and handles it again, as a redelivery (the inject's status asked
// first), and once the platform answers the inject runs once and
// completes. A listing the platform refuses for good (403: no right, 404:
// the group is gone) is the inject's ERROR and its message is rejected.
func TestIntegrationServeAssetGroupPagingFailures(t *testing.T) {
	const handlings = 2 // that fail: the platform answers the third
	tests := []struct {
		status  int
		refused bool
	}{
		{http.StatusInternalServerError, false},
		{http.StatusTooManyRequests, false},
		{http.StatusForbidden, true},
		{http.StatusNotFound, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			broker, queue := integration(t)
			s := newServeEnv(t, serveOpts{outbox: true})
			s.platform.SetAssetGroup("g", asset("asset", "a1", "", "192.0.2.1", nil, "ag"))
			body := s.message(t, "i-1", "nmap", map[string]any{"target_selector": "asset-groups"}, nil,
				[]map[string]any{{"asset_group_id": "g", "asset_group_name": "Servers"}})
			s.platform.FailTargets(tt.status, handlings*2) // 2 attempts a handling (newServeEnv)
			d, _ := s.daemon(t, broker, queue)
			run(t, d)
			servetest.Publish(t, queue, body)
			settled := func(outcome string) float64 {
				return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", outcome)
			}
			testkit.WaitFor(t, testkit.Hang, "the message settled", func() bool { return settled("acked")+settled("rejected") == 1 })
			if acked := settled("acked") == 1; acked == tt.refused {
				t.Fatalf("message acked: %v, want %v (rejected: %v)", acked, !tt.refused, settled("rejected"))
			}
			c, sent := s.platform.Terminal("i-1")
			if tt.refused {
				want := fmt.Sprintf("asset group Servers: endpoint targets rejected: status %d", tt.status)
				if !sent || c.Body["execution_status"] != "ERROR" || !strings.Contains(c.Body["execution_message"].(string), want) {
					t.Errorf("terminal %v, want ERROR saying %q", c.Body, want)
				}
				if n := s.nmap.calls.Load(); n != 0 {
					t.Errorf("nmap ran %d times", n)
				}
				return
			}
			if n, done := s.nmap.calls.Load(), s.platform.Completions("i-1"); n != 1 || len(done) != 1 {
				t.Errorf("nmap ran %d times, %d completions; want the inject run and completed once", n, len(done))
			}
			if !sent || c.Body["execution_status"] != "SUCCESS" {
				t.Errorf("terminal %v, want SUCCESS", c.Body)
			}
			for _, call := range s.platform.Calls("i-1") {
				if call.Kind == openaevtest.KindComplete && call.Body["execution_status"] == "ERROR" {
					t.Errorf("the platform was told ERROR for a failure the next try did not meet: %v", call.Body)
				}
			}
			if rs := len(s.platform.Receptions("i-1")); rs != 1 {
				t.Errorf("%d receptions, want 1: the handlings that failed sent none", rs)
			}
			kept := s.logs.FilterMessage("handling failed; the message is kept and handled again").All()
			if len(kept) != handlings {
				t.Fatalf("%d handlings failed, want %d", len(kept), handlings)
			}
			if msg := kept[0].ContextMap()["error"]; !strings.Contains(fmt.Sprint(msg), "inject i-1 not run: the platform failed to list its targets: asset group Servers: endpoint targets failed after 2 attempts") {
				t.Errorf("failure logged as %q", msg)
			}
			if n := len(s.platform.CallsOf(openaevtest.KindInject)); n < handlings {
				t.Errorf("the inject's status asked %d times, want before each of the %d handlings again at least", n, handlings)
			}
			// "running it" is said of the handling that ran it alone: the
			// ones whose targets could not be listed ran nothing.
			again := s.logs.FilterMessage("message handled again after its handling failed, the inject unfinished: running it").All()
			if len(again) != 1 || again[0].ContextMap()["attempt"] != int64(handlings+1) {
				t.Errorf("%d lines say the message handled again runs (%v), want 1, attempt %d", len(again), again, handlings+1)
			}
			// The broker delivered the message once: nothing says it
			// redelivered it.
			if n := s.logs.FilterMessageSnippet("redelivered message").Len(); n != 0 {
				t.Errorf("%d lines say the message was redelivered", n)
			}
		})
	}
}

// TestIntegrationServeNoOutboxRunsOnce is tester t62's case: without an
// outbox, the platform fails the terminal callback of an inject a while
// (503 on complete). The daemon's worker holds the result and tries its
// delivery alone again: the inject runs once, the platform gets one
// reception and one complete, and the message is acknowledged once it
// took it, never handled again.
func TestIntegrationServeNoOutboxRunsOnce(t *testing.T) {
	broker, queue := integration(t)
	s := newServeEnv(t, serveOpts{})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 12) // 2 attempts a try (newServeEnv)
	d, _ := s.daemon(t, broker, queue)
	run(t, d)
	servetest.Publish(t, queue, s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	testkit.WaitFor(t, testkit.Hang, "the message acknowledged", func() bool {
		return servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked") == 1
	})
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if rs, cs := len(s.platform.Receptions("i-1")), len(s.platform.Completions("i-1")); rs != 1 || cs != 1 {
		t.Errorf("%d receptions, %d completions; want 1 each", rs, cs)
	}
	if n := s.logs.FilterMessage("handling failed; the message is kept and handled again").Len(); n != 0 {
		t.Errorf("the message handled again %d times", n)
	}
	if n := s.logs.FilterMessageSnippet("no outbox to keep it").Len(); n == 0 {
		t.Error("no line says the result is held")
	}
}
