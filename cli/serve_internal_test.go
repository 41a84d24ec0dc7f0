package cli

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

func TestCallbackPath(t *testing.T) {
	tests := []struct {
		path, kind, id string
	}{
		{"/api/injects/execution/callback/i-1", "callback", "i-1"},
		{"/api/tenants/t1/injects/execution/reception/i-2", "reception", "i-2"},
		{"/prefix/api/injects/execution/callback/a%2Fb", "callback", "a/b"},
		{"/api/injectors", "", ""},
		{"/api/injects/execution/other/i-1", "", ""},
		{"/api/injects/execution/callback", "", ""},
		{"/api/injects/execution/callback/%zz", "", ""},
	}
	for _, tt := range tests {
		kind, id := callbackPath(tt.path)
		if kind != tt.kind || id != tt.id {
			t.Errorf("callbackPath(%q) = %q, %q; want %q, %q", tt.path, kind, id, tt.kind, tt.id)
		}
	}
}

func FuzzCallbackPath(f *testing.F) {
	for _, s := range []string{"/api/injects/execution/callback/i-1", "/api/injects/execution/reception/%41",
		"/injects/execution//", "", "/api/injects/execution/callback/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		kind, id := callbackPath(p)
		if kind != "" && kind != "callback" && kind != "reception" {
			t.Fatalf("callbackPath(%q) kind %q", p, kind)
		}
		if kind == "" && id != "" {
			t.Fatalf("callbackPath(%q) has an id without a kind", p)
		}
	})
}

func TestIsTerminal(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"complete", `{"execution_action":"complete","execution_status":"SUCCESS"}`, true},
		{"trace", `{"execution_action":"command_execution","execution_message":"complete"}`, false},
		{"reception", `{"tracking_total_count":1}`, false},
		{"not JSON", `complete`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/injects/execution/callback/i", bytes.NewReader([]byte(tt.body)))
			if err != nil {
				t.Fatal(err)
			}
			if got := isTerminal(req); got != tt.want {
				t.Errorf("isTerminal = %v, want %v", got, tt.want)
			}
			// The body is still there for the real request.
			var b bytes.Buffer
			if _, err := b.ReadFrom(req.Body); err != nil || b.String() != tt.body {
				t.Errorf("isTerminal consumed the body: %q, %v", b.String(), err)
			}
		})
	}
}

func TestInjectTrackerTimesExecutionAndDelivery(t *testing.T) {
	reg := prometheus.NewRegistry()
	tr := newInjectTracker(serve.NewMetrics(reg))
	clock := time.Unix(0, 0)
	tr.now = func() time.Time { return clock }

	end := tr.begin("i-1", "noop")
	// The same inject again while the first run goes on: not timed twice.
	endDup := tr.begin("i-1", "noop")
	clock = clock.Add(3 * time.Second)
	tr.terminalAttempt("i-1")
	clock = clock.Add(2 * time.Second)
	tr.terminalAttempt("i-1") // a retry: delivery keeps running from the first attempt
	clock = clock.Add(time.Second)
	endDup()
	end()
	// An inject that never attempted its terminal callback is not timed.
	tr.begin("i-2", "noop")()

	sums := map[string]float64{}
	counts := map[string]uint64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				sums[mf.GetName()] += h.GetSampleSum()
				counts[mf.GetName()] += h.GetSampleCount()
			}
		}
	}
	if counts["injectkit_execution_duration_seconds"] != 1 || sums["injectkit_execution_duration_seconds"] != 3 {
		t.Errorf("execution: %d samples, sum %v; want 1, 3", counts["injectkit_execution_duration_seconds"], sums["injectkit_execution_duration_seconds"])
	}
	if counts["injectkit_delivery_duration_seconds"] != 1 || sums["injectkit_delivery_duration_seconds"] != 3 {
		t.Errorf("delivery: %d samples, sum %v; want 1, 3", counts["injectkit_delivery_duration_seconds"], sums["injectkit_delivery_duration_seconds"])
	}
	if len(tr.live) != 0 {
		t.Errorf("%d injects still tracked", len(tr.live))
	}
}

func TestOpenAEVHandlerSettlement(t *testing.T) {
	const id = "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"
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
		{"terminal callback refused for good", "", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusBadRequest, 1) }, true, false},
		{"token refused: requeue", "", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusUnauthorized, 1) }, false, false},
		{"platform down: requeue", "", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusServiceUnavailable, 5) }, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, "tok")
			p.AddInject("i-1", openaev.ContractID("noop"))
			if tt.fail != nil {
				tt.fail(p)
			}
			client, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "tok", InjectorID: id},
				openaev.WithRetry(2, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			reg := framework.NewRegistry()
			reg.Register("noop", func() framework.Executor { return noop.New() })
			ms := manifests(reg)
			metrics := serve.NewMetrics(prometheus.NewRegistry())
			h := &openaevHandler{proc: openaev.NewProcessor(client, &framework.Runtime{Registry: reg}, ms, nil),
				tracker: newInjectTracker(metrics)}
			body := tt.body
			if body == "" {
				body = `{"injection":{"inject_id":"i-1","inject_injector_contract":{"injector_contract_id":"` +
					client.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
			}
			err = h.Handle(context.Background(), []byte(body))
			if (err == nil) != tt.ok || serve.IsPermanent(err) != tt.permanent {
				t.Errorf("Handle = %v (permanent %v); want ok %v, permanent %v", err, serve.IsPermanent(err), tt.ok, tt.permanent)
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
	r := &openaevRegistrar{client: client, manifests: manifests(reg)}
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

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://admin:hunter2@127.0.0.1/openaev", "https://admin:xxxxx@127.0.0.1/openaev"},
		{"http://[::1", "(unparsable URL)"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
