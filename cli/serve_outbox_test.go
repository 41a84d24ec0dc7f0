package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

func openTestOutbox(t *testing.T) *outbox.Store {
	t.Helper()
	store, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	return store
}

// noopClient is a client of the platform at url with token (2 attempts,
// 1 ms apart) that has registered noop's contract, as serve does before
// it consumes: the platform then validates its injects' outputs.
func noopClient(t *testing.T, url, token string) *openaev.Client {
	t.Helper()
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: token, InjectorID: "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"},
		openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(context.Background(), []framework.Manifest{noop.New().Manifest()}, false); err != nil {
		t.Fatal(err)
	}
	return c
}

func noopBody(id string) []byte {
	return []byte(`{"injection":{"inject_id":"` + id + `","inject_injector_contract":{"injector_contract_id":"` +
		openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`)
}

// The daemon with an outbox: a terminal callback the platform does not
// accept is kept and its message acknowledged, as the outbox decorator's
// result says; the resender delivers the same bytes later; a callback
// refused for good goes to the dead list.
func TestOpenAEVHandlerOutbox(t *testing.T) {
	const token = "tok-serve-outbox-7f3a"
	tests := []struct {
		name      string
		fail      func(p *openaevtest.Platform)
		ok        bool // Handle returned nil
		permanent bool
		state     outbox.State // "" when nothing is left
	}{
		{"delivered", nil, true, false, ""},
		{"platform down: kept and acknowledged", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusServiceUnavailable, 2) }, true, false, outbox.Pending},
		{"refused for good: dead list", func(p *openaevtest.Platform) { p.FailComplete("i-1", http.StatusBadRequest, 1) }, false, true, outbox.Dead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			p.AddInject("i-1", openaev.ContractID("noop"))
			if tt.fail != nil {
				tt.fail(p)
			}
			store := openTestOutbox(t)
			client := noopClient(t, p.URL, token)
			h := newTestHandler(t, client, store)
			err := h.Handle(context.Background(), noopBody("i-1"))
			if (err == nil) != tt.ok || serve.IsPermanent(err) != tt.permanent {
				t.Fatalf("Handle = %v (permanent %v)", err, serve.IsPermanent(err))
			}
			var attempts []openaevtest.Call
			for _, c := range p.Calls("i-1") {
				if c.Kind == openaevtest.KindComplete {
					attempts = append(attempts, c)
				}
			}
			list, err := store.List()
			if err != nil {
				t.Fatal(err)
			}
			// /metrics shows what the outbox keeps, /healthz does not.
			for _, state := range []outbox.State{outbox.Pending, outbox.Dead} {
				want := 0.0
				if state == tt.state {
					want = float64(len(list))
				}
				if got := servetest.Metric(t, h.metrics, "injectkit_outbox_bodies", "state", string(state)); got != want {
					t.Errorf("injectkit_outbox_bodies{state=%q} = %v, want %v", state, got, want)
				}
			}
			if st, _ := store.Stats(); servetest.Metric(t, h.metrics, "injectkit_outbox_bytes") != float64(st.Bytes) ||
				servetest.Metric(t, h.metrics, "injectkit_outbox_max_bytes") != float64(store.MaxBytes()) {
				t.Errorf("outbox gauges: bytes %v of %v, want %d of %d", servetest.Metric(t, h.metrics, "injectkit_outbox_bytes"),
					servetest.Metric(t, h.metrics, "injectkit_outbox_max_bytes"), st.Bytes, store.MaxBytes())
			}
			if tt.state == "" {
				if len(list) != 0 {
					t.Errorf("%d records left after a delivered callback", len(list))
				}
				return
			}
			if len(list) != 1 || list[0].State != tt.state || list[0].Profile != openaev.ProfileName || list[0].InjectID != "i-1" ||
				list[0].URL != p.URL+"/api/injects/execution/callback/i-1" || !h.profile.Owns(list[0]) {
				t.Fatalf("records %+v", list)
			}
			kept, _ := store.Get(list[0].ID)
			for i, a := range attempts {
				if !bytes.Equal(a.Raw, kept.Body) {
					t.Errorf("attempt %d sent other bytes than were kept", i)
				}
			}
			raw, _ := os.ReadFile(store.Path())
			if bytes.Contains(raw, []byte(token)) {
				t.Error("token stored")
			}
			if tt.state == outbox.Dead {
				return
			}
			if len(h.wake) != 1 {
				t.Error("the resender was not woken")
			}
			// The platform is back: the resender delivers the same bytes.
			rs := &outbox.Resender{Store: store, Select: h.profile.Owns,
				Client: func(string) (outbox.Poster, error) { return h.profile, nil }}
			res, err := rs.Flush(context.Background())
			if err != nil || res.Delivered != 1 {
				t.Fatalf("flush %+v %v", res, err)
			}
			calls := p.Calls("i-1")
			last := calls[len(calls)-1]
			if last.Kind != openaevtest.KindComplete || !last.Processed() || !bytes.Equal(last.Raw, kept.Body) {
				t.Errorf("resend: %s processed %v, same bytes %v", last.Kind, last.Processed(), bytes.Equal(last.Raw, kept.Body))
			}
			if st, _ := store.Stats(); st.Pending != 0 {
				t.Errorf("%d pending after the resend", st.Pending)
			}
		})
	}
}

// A message redelivered after the consumer that ran it stopped, its
// terminal callback waiting in the outbox, is acknowledged without running
// the inject again.
func TestOpenAEVHandlerRedeliveryWaitingInOutbox(t *testing.T) {
	p := openaevtest.NewPlatform(t, "tok")
	p.AddInject("i-1", openaev.ContractID("noop"))
	store := openTestOutbox(t)
	recs, err := store.Put(outbox.Entry{InjectID: "i-1", Phase: openaev.ActionComplete, BaseURL: p.URL, Profile: openaev.ProfileName,
		Path: "/api/injects/execution/callback/i-1", Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_duration":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.MarkFailed(recs[0].ID, 4, "status 503", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	client, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "tok", InjectorID: "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10"},
		openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	h := newTestHandler(t, client, store)
	// The consumer that ran it first had acknowledged its reception.
	if _, err := client.Reception(context.Background(), "i-1"); err != nil {
		t.Fatal(err)
	}
	if err := h.HandleDelivery(context.Background(), serve.Delivery{Body: noopBody("i-1"), Redelivered: true}); err != nil {
		t.Fatal(err)
	}
	if calls := p.Calls("i-1"); len(calls) != 1 {
		t.Errorf("the inject ran again: %v", kindsOf(calls))
	}
	if len(h.wake) != 1 {
		t.Error("the resender was not woken")
	}
	// The stored callback is the one the platform gets.
	rs := &outbox.Resender{Store: store, Select: h.profile.Owns,
		Client: func(string) (outbox.Poster, error) { return h.profile, nil }}
	if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != 1 {
		t.Fatalf("flush %+v %v", res, err)
	}
	term, ok := p.Terminal("i-1")
	if !ok || term.Body["execution_message"] != "done" {
		t.Errorf("terminal callback %v", term.Body)
	}
}

func kindsOf(calls []openaevtest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Kind)
	}
	return out
}

// Two daemons of two platforms sharing one outbox file: each one's
// injectkit_outbox_bodies counts the bodies it keeps for its own platform,
// those its resender sends, not the other's: platform A down, A's
// daemon shows its body pending and B's shows none, so that B's alert
// does not fire for A's outage. The bytes are the file's, both
// platforms' (what --outbox-max-bytes bounds).
func TestOutboxGaugeCountsThisDaemonsBackend(t *testing.T) {
	const token = "tok-serve-shared-outbox-2c9e"
	path := filepath.Join(t.TempDir(), "outbox.db")
	daemon := func(id string, fail bool) (testHandler, *outbox.Store) {
		p := openaevtest.NewPlatform(t, token)
		p.AddInject(id, openaev.ContractID("noop"))
		if fail {
			p.FailComplete(id, http.StatusServiceUnavailable, 1<<20)
		}
		store, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: outbox.DefaultTimeout})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		client := noopClient(t, p.URL, token)
		return newTestHandler(t, client, store), store
	}
	a, storeA := daemon("i-a", true)
	b, storeB := daemon("i-b", false)
	if err := a.Handle(context.Background(), noopBody("i-a")); err != nil {
		t.Fatalf("A's Handle = %v, want its result kept and acknowledged", err)
	}
	if err := b.Handle(context.Background(), noopBody("i-b")); err != nil {
		t.Fatalf("B's Handle = %v, want delivered", err)
	}
	for _, d := range []struct {
		name    string
		h       testHandler
		store   *outbox.Store
		pending float64
	}{{"B", b, storeB, 0}, {"A (its platform down)", a, storeA, 1}} {
		// Each reads the file through its own store, as its process
		// would: B's delivered body is gone for B at once, while its
		// removal is written, and for A once it is (B's store closed).
		if d.store == storeA {
			if err := storeB.Close(); err != nil {
				t.Fatal(err)
			}
		}
		st, err := d.store.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if got := servetest.Metric(t, d.h.metrics, "injectkit_outbox_bodies", "state", "pending"); got != d.pending {
			t.Errorf("daemon %s: injectkit_outbox_bodies{state=\"pending\"} = %v, want %v", d.name, got, d.pending)
		}
		if got := servetest.Metric(t, d.h.metrics, "injectkit_outbox_bytes"); got != float64(st.Bytes) || st.Bytes == 0 {
			t.Errorf("daemon %s: injectkit_outbox_bytes = %v, want the file's %d", d.name, got, st.Bytes)
		}
	}
}

// A terminal callback the platform did not take, kept in the outbox, and
// delivered later by serve's resender once the platform is back, is
// observed in injectkit_resend_delay_seconds (how long after its storing
// the platform took it); injectkit_delivery_duration_seconds keeps its one
// sample, the first delivery's, which ended with the body stored.
func TestResendObservedInTheResendDelay(t *testing.T) {
	const token = "tok-serve-resend-delay-4b1d"
	p := openaevtest.NewPlatform(t, token)
	p.AddInject("i-1", openaev.ContractID("noop"))
	p.FailComplete("i-1", http.StatusServiceUnavailable, 2) // the first delivery's 2 attempts
	var later atomic.Bool                                   // the store's clock past the body's next attempt
	store, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{Shared: true, Now: func() time.Time {
		if later.Load() {
			return time.Now().Add(time.Hour)
		}
		return time.Now()
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	client := noopClient(t, p.URL, token)
	h := newTestHandler(t, client, store)
	if err := h.Handle(context.Background(), noopBody("i-1")); err != nil {
		t.Fatalf("Handle = %v, want the result kept and acknowledged", err)
	}
	if got := histograms(t, h.metrics); got["injectkit_delivery_duration_seconds"] != 1 || got["injectkit_resend_delay_seconds"] != 0 {
		t.Fatalf("histogram samples %v once stored, want one delivery, no resend", got)
	}
	later.Store(true)
	stop := startResender(context.Background(), store, h.profile, h.wake, h.m, zap.NewNop(), &platformUp{})
	defer stop()
	testkit.WaitFor(t, 60*time.Second, "the resend observed", func() bool {
		return histograms(t, h.metrics)["injectkit_resend_delay_seconds"] == 1
	})
	calls := p.Calls("i-1")
	if last := calls[len(calls)-1]; last.Kind != openaevtest.KindComplete || !last.Processed() {
		t.Errorf("last call %s processed %v, want the resent complete processed", last.Kind, last.Processed())
	}
	if got := histograms(t, h.metrics); got["injectkit_delivery_duration_seconds"] != 1 {
		t.Errorf("histogram samples %v after the resend, want the delivery's one sample kept", got)
	}
}
