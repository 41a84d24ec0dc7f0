package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// testHandler is the daemon's handler over a platform client, running
// noop, its callbacks kept in store when there is one, wired as serve
// wires it.
type testHandler struct {
	*openaev.Handler
	profile *openaev.Profile
	m       *serve.Metrics
	metrics *prometheus.Registry
	wake    chan struct{}
}

func newTestHandler(t *testing.T, client *openaev.Client, store *outbox.Store) testHandler {
	t.Helper()
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return noop.New() })
	promReg := prometheus.NewRegistry()
	metrics := serve.NewMetrics(promReg)
	profile := openaev.NewProfile(client, newInjectorSet(reg).manifests(), nil)
	wake := make(chan struct{}, 1)
	var d runtime.Deliverer = profile
	if store != nil {
		d = &outbox.Deliverer{Profile: profile, Store: store, Failed: wake}
		watchOutbox(metrics, store, profile.Owns, zap.NewNop())
	}
	rt := runtime.New(reg, runtime.WithDeliverer(d), runtime.WithObserver(metricsObserver{m: metrics}))
	h := openaev.NewHandler(openaev.HandlerConfig{Processor: openaev.NewProcessor(rt, profile), Store: store, Wake: wake,
		RetryWait: time.Millisecond, Metrics: metrics, Log: zap.NewNop()})
	return testHandler{Handler: h, profile: profile, m: metrics, metrics: promReg, wake: wake}
}

// histograms returns the sample counts of the histograms gathered from reg.
func histograms(t *testing.T, reg *prometheus.Registry) map[string]uint64 {
	t.Helper()
	counts := map[string]uint64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				counts[mf.GetName()] += h.GetSampleCount()
			}
		}
	}
	return counts
}

// The daemon's execution and delivery durations come from the runtime's
// observer: one sample each per inject run, none for a rejected one.
func TestHandlerMetricsFromTheRuntime(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	p.AddInject("i-1", openaev.ContractID("noop"))
	client := noopClient(t, p.URL, "tok")
	h := newTestHandler(t, client, nil)
	ok := `{"injection":{"inject_id":"i-1","inject_injector_contract":{"injector_contract_id":"` +
		openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
	if err := h.Handle(context.Background(), []byte(ok)); err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(context.Background(), []byte(`{"injection":{}}`)); !serve.IsPermanent(err) {
		t.Fatalf("malformed message: %v", err)
	}
	got := histograms(t, h.metrics)
	if got["injectkit_execution_duration_seconds"] != 1 || got["injectkit_delivery_duration_seconds"] != 1 {
		t.Errorf("histogram samples %v, want one execution and one delivery", got)
	}
}

func TestOpenAEVHandlerSettlement(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		fail      func(p *openaevtest.Platform)
		permanent bool
		ok        bool
	}{
		{"delivered", "", nil, false, true},
		{"not JSON", `{"injection":`, nil, true, false},
		{"no inject id", `{"injection":{}}`, nil, true, false},
		// The inject ran: its result lost (logged), its message
		// acknowledged, not run again (with an outbox: its dead list,
		// TestOpenAEVHandlerOutbox).
		{"terminal callback refused for good, no outbox: acknowledged", "", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusBadRequest, 1) }, false, true},
		{"token refused: unauthorized, the inject ran", "", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusUnauthorized, 1) }, false, false},
		{"platform down a while: the result held until it answers, delivered", "", func(p *openaevtest.Platform) {
			p.FailComplete("i-1", http.StatusServiceUnavailable, 5)
		}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, "tok")
			p.AddInject("i-1", openaev.ContractID("noop"))
			if tt.fail != nil {
				tt.fail(p)
			}
			client := noopClient(t, p.URL, "tok")
			h := newTestHandler(t, client, nil)
			body := tt.body
			if body == "" {
				body = `{"injection":{"inject_id":"i-1","inject_injector_contract":{"injector_contract_id":"` +
					client.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
			}
			err := h.Handle(context.Background(), []byte(body))
			if (err == nil) != tt.ok || serve.IsPermanent(err) != tt.permanent {
				t.Errorf("Handle = %v (permanent %v); want ok %v, permanent %v", err, serve.IsPermanent(err), tt.ok, tt.permanent)
			}
			// Without an outbox nothing is kept: not durable (the inject
			// ran: acknowledged, not run again).
			var ue *serve.UnauthorizedError
			if unauthorized := errors.As(err, &ue); unauthorized != strings.HasPrefix(tt.name, "token refused") ||
				unauthorized && ue.Durable {
				t.Errorf("Handle = %v: unauthorized %v (%+v)", err, unauthorized, ue)
			}
		})
	}
}

func TestOpenAEVRegistrarIconOnlyFirst(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	p.SetBroker(openaevtest.Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "u", Pass: "pw", UseSSL: true, Queue: "q1"})
	icon := []byte("\x89PNG\r\n\x1a\nnot really an image")
	client, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "tok",
		InjectorID: "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10", Icon: icon}, openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg := framework.NewRegistry()
	reg.Register("noop", func() framework.Executor { return noop.New() })
	r := openaev.NewRegistrar(client, newInjectorSet(reg).manifests())
	for i := range 2 {
		got, err := r.Register(context.Background())
		if err != nil {
			t.Fatalf("registration %d: %v", i, err)
		}
		want := serve.Registration{Broker: serve.Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "u", Pass: "pw", TLS: true}, Queue: "q1"}
		if got != want {
			t.Errorf("registration %d = %+v, want %+v", i, got, want)
		}
	}
	calls := p.Registrations()
	if len(calls) != 2 || !bytes.Equal(calls[0].Icon, icon) || len(calls[1].Icon) != 0 {
		t.Errorf("icons sent: %d calls, first %d bytes, second %d bytes; want the icon on the first only",
			len(calls), len(calls[0].Icon), len(calls[len(calls)-1].Icon))
	}
	p.FailRegistration(http.StatusServiceUnavailable, 10)
	if _, err := r.Register(context.Background()); err == nil || serve.IsPermanent(err) {
		t.Errorf("a 503 registration = %v, want a transient error", err)
	}
}

// A listen address is parsed completely: host (IP address, host name or
// none) and a numeric port from 0 to 65535; "" is no HTTP server.
func TestCheckListenAddr(t *testing.T) {
	for addr, ok := range map[string]bool{
		"": true, "127.0.0.1:9464": true, "[::1]:0": true, "[fe80::1%eth0]:9464": true, ":9464": true,
		"localhost:65535": true, "metrics.example.com.:80": true,
		"127.0.0.1:65536": false, "127.0.0.1:-1": false, "127.0.0.1:http": false, "127.0.0.1:": false,
		"127.0.0.1:09464": false, "127.0.0.1": false, "::1:9464": false, "bad host:9464": false,
		"-bad.example.com:80": false, "a..b:80": false, "256.0.0.1:80": false, "10.0.0.1.:80": false,
	} {
		if err := checkListenAddr(addr); (err == nil) != ok {
			t.Errorf("checkListenAddr(%q) = %v, want ok %v", addr, err, ok)
		}
	}
}

// serve's platform client keeps a connection per worker: workers posting
// callbacks one after the other at the same time reuse their connections
// instead of dialling one for most requests (the transport keeps 2 idle
// connections per host by default).
func TestServeReusesConnections(t *testing.T) {
	const workers, each = 16, 20
	var dials atomic.Int64
	// Each request is answered once every worker has one in flight: all
	// of them need a connection at the same time, in every round.
	var mu sync.Mutex
	arrived, round := 0, make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrived++
		this := round
		if arrived == workers {
			close(round)
			arrived, round = 0, make(chan struct{})
		}
		mu.Unlock()
		<-this
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc, err := openaev.DefaultServeOptions().HTTPClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	keepConnections(hc, workers)
	// Round after round, every worker posts once; the connections come
	// back to the client before the next round asks for them.
	for range each {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				resp, err := hc.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			})
		}
		wg.Wait()
	}
	// A connection per worker (a few more if a dial races a connection
	// coming back), not one per request.
	if n := dials.Load(); n > 2*workers {
		t.Errorf("%d connections for %d requests from %d workers", n, workers*each, workers)
	}
}
