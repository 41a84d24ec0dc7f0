package outbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// newCallbackSink starts a loopback callback backend answering the status
// respond picks (n counts requests from 0), with an error body that echoes
// the request's Authorization header.
func newCallbackSink(t *testing.T, respond func(n int) int) *transporttest.Backend {
	t.Helper()
	return transporttest.NewBackendFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
		code := respond(n)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"error":"answer `+fmt.Sprint(code)+`"} `+r.Header.Get("Authorization"))
	})
}

func always(code int) func(int) int { return func(int) int { return code } }

// report runs a fake injector on n loopback targets and returns its
// report, undelivered.
func report(t *testing.T, id string, n int) *runtime.Report {
	t.Helper()
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	req := runtime.Request{InjectID: id, Injector: "fake"}
	for i := range n {
		req.Targets = append(req.Targets, runtime.TargetSpec{Value: fmt.Sprintf("127.0.%d.%d", i/250, i%250+1), Asset: fmt.Sprintf("asset-%d", i)})
	}
	r, err := runtime.New(reg).Run(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func openStore(t *testing.T, opts outbox.Options) *outbox.Store {
	t.Helper()
	s, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// bodies returns the bodies c would send for r.
func bodies(t *testing.T, c *transport.Client, r *runtime.Report) [][]byte {
	t.Helper()
	enc, err := c.Encode(r.InjectID, r.Phase, r.PayloadTargets())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, b := range enc.Bodies() {
		out = append(out, bytes.Clone(b))
	}
	return out
}

// wantSent checks that request i carried body, chunk of injectID's
// default phase, under that body's idempotency key.
func wantSent(t *testing.T, i int, r transporttest.Request, injectID string, chunk int, body []byte) {
	t.Helper()
	if key := r.Header.Get(transport.IdempotencyHeader); !bytes.Equal(r.Body, body) ||
		key != transport.IdempotencyKey(injectID, runtime.DefaultPhase, chunk, body) {
		t.Errorf("request %d: key %s body %.40s", i, key, r.Body)
	}
}

// wantEmpty checks that ob holds nothing, pending or dead, once what the
// test did (when) is over.
func wantEmpty(t *testing.T, ob *outbox.Store, when string) {
	t.Helper()
	if st, _ := ob.Stats(); st.Pending != 0 || st.Dead != 0 || st.Bytes != 0 {
		t.Errorf("outbox not empty %s: %+v", when, st)
	}
}

// client splits a 40-target payload into 5 bodies.
func client(t *testing.T, base string, opts ...transport.Option) *transport.Client {
	t.Helper()
	whole, err := transport.New(base, transport.WithMaxPayloadSize(1<<30))
	if err != nil {
		t.Fatal(err)
	}
	one := bodies(t, whole, report(t, "x", 40))
	c, err := transport.New(base, append([]transport.Option{transport.WithMaxPayloadSize(len(one[0]) / 4),
		transport.WithRetry(2, time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDelivererDelivers(t *testing.T) {
	var ob *outbox.Store
	// Every request must find its body, and all before it, already stored.
	be := newCallbackSink(t, func(n int) int {
		if st, err := ob.Stats(); err != nil || st.Pending < n+1 {
			t.Errorf("request %d sent with %d bodies stored", n, st.Pending)
		}
		return http.StatusOK
	})
	ob = openStore(t, outbox.Options{})
	c := client(t, be.URL, transport.WithToken("tok-secret-1"))
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob}
	rep := report(t, "inj-1", 40)
	if err := d.Deliver(context.Background(), rep); err != nil {
		t.Fatal(err)
	}
	want := bodies(t, c, rep)
	reqs := be.Requests()
	if len(reqs) != len(want) || len(want) != 5 {
		t.Fatalf("%d requests for %d bodies", len(reqs), len(want))
	}
	for i, r := range reqs {
		wantSent(t, i, r, "inj-1", i, want[i])
	}
	wantEmpty(t, ob, "after delivery")
}

func TestDelivererKeepsFailures(t *testing.T) {
	tests := []struct {
		name          string
		respond       func(int) int
		pending, dead int    // of the 5 bodies
		sent          int    // requests
		lastErr       string // of the body that failed, when pending
	}{
		// 2 attempts at the first body, the other 4 not sent.
		{"backend down", always(http.StatusServiceUnavailable), 5, 0, 2, "503"},
		// First body delivered, the second rejected, the last 3 wait.
		{"rejected", func(n int) int { return map[bool]int{true: 200, false: 400}[n == 0] }, 3, 1, 2, ""},
		// A token refused (401, 403) is the token's fault, not the body's:
		// every body stays pending for a flush with the right token.
		{"token refused", always(http.StatusUnauthorized), 5, 0, 1, "401"},
		{"token forbidden", func(n int) int { return map[bool]int{true: 200, false: 403}[n == 0] }, 4, 0, 2, "403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newCallbackSink(t, tt.respond)
			ob := openStore(t, outbox.Options{})
			wake := make(chan struct{}, 1)
			d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, be.URL)}, Store: ob, Failed: wake}
			err := d.Deliver(context.Background(), report(t, "inj-2", 40))
			var se *runtime.StoredError
			if !errors.As(err, &se) {
				t.Fatalf("error = %v", err)
			}
			if se.Outbox != ob.Path() || se.Pending != tt.pending || se.Dead != tt.dead {
				t.Errorf("StoredError outbox %q pending %d dead %d", se.Outbox, se.Pending, se.Dead)
			}
			if len(wake) != 1 {
				t.Error("Failed was not signalled")
			}
			if n := be.Len(); n != tt.sent {
				t.Errorf("%d requests, want %d", n, tt.sent)
			}
			var te *transport.TransmissionError
			if !errors.As(err, &te) || te.Total != 5 {
				t.Errorf("transmission error %+v", te)
			}
			list, _ := ob.List()
			if len(list) != tt.pending+tt.dead {
				t.Fatalf("%d records", len(list))
			}
			for _, r := range list {
				switch {
				case r.State == outbox.Dead:
					if r.DeadStatus != 400 || !strings.Contains(r.DeadBody, "answer 400") || r.ChunkIndex != 1 {
						t.Errorf("dead %+v", r)
					}
				case r.Attempts > 0:
					if !strings.Contains(r.LastError, tt.lastErr) || !r.NextAttempt.After(time.Now()) || r.Owner != 0 {
						t.Errorf("failed %+v", r)
					}
				default:
					if !strings.Contains(r.LastError, "not sent") || r.Owner != 0 {
						t.Errorf("unsent %+v", r)
					}
				}
			}
		})
	}
}

// Many injects at once through one outbox, the backend failing every third
// request: every body is accepted exactly once per idempotency key, what
// the deliverers could not send is flushed, and the outbox ends empty.
func TestDelivererConcurrentFlakyBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 fsync'd bodies")
	}
	be := newCallbackSink(t, func(n int) int {
		if n%3 == 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	ob := openStore(t, outbox.Options{})
	c := client(t, be.URL)
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob}
	const injects = 200 // 5 bodies each
	var wg sync.WaitGroup
	var kept atomic.Int64
	reports := make([]*runtime.Report, injects)
	for i := range reports {
		reports[i] = report(t, fmt.Sprintf("inj-%03d", i), 40)
	}
	for _, rep := range reports {
		wg.Go(func() {
			err := d.Deliver(context.Background(), rep)
			var se *runtime.StoredError
			switch {
			case errors.As(err, &se):
				kept.Add(int64(se.Pending))
			case err != nil:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	rs := &outbox.Resender{Store: ob, Client: func(string) (outbox.Poster, error) { return c, nil }}
	for range 20 {
		st, err := ob.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Pending == 0 {
			break
		}
		if _, err := rs.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := ob.Stats(); st.Pending != 0 || st.Dead != 0 || st.Bytes != 0 {
		t.Fatalf("outbox not empty: %+v", st)
	}
	delivered := be.Delivered()
	if len(delivered) != injects*5 {
		t.Errorf("%d keys accepted, want %d", len(delivered), injects*5)
	}
	for k, b := range delivered {
		if len(b) != 1 {
			t.Errorf("key %s accepted %d times", k, len(b))
		}
	}
	t.Logf("%d requests, %d bodies kept by the deliverers and flushed", be.Len(), kept.Load())
}

// The bearer token never reaches the outbox file, even when the backend
// echoes it into a stored error.
func TestDelivererNeverStoresTheToken(t *testing.T) {
	const token = "tok-5ec2e7-never-stored"
	be := newCallbackSink(t, always(http.StatusBadRequest))
	ob := openStore(t, outbox.Options{})
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, be.URL, transport.WithToken(token))}, Store: ob}
	if err := d.Deliver(context.Background(), report(t, "inj-t", 40)); err == nil {
		t.Fatal("no error")
	}
	_ = ob.Close()
	raw, err := os.ReadFile(ob.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) {
		t.Error("the token is in the outbox file")
	}
}

// The wiring a daemon uses: a runtime delivering through the decorator.
// The backend is down at first: the runtime's error says the body is
// durable (the queue message may be acknowledged), the Resender is woken,
// and it delivers the same bytes once the backend is back.
func TestDelivererDaemonWiring(t *testing.T) {
	var up atomic.Bool
	be := newCallbackSink(t, func(int) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	})
	ob := openStore(t, outbox.Options{})
	c := client(t, be.URL)
	wake := make(chan struct{}, 1)
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: ob, Failed: wake}
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	rt := runtime.New(reg, runtime.WithDeliverer(d))

	_, err := rt.Run(context.Background(), runtime.Request{InjectID: "q-1", Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}})
	var de *runtime.DeliveryError
	var se *runtime.StoredError
	if !errors.As(err, &de) || de.Stored != 1 || !errors.As(err, &se) || se.Pending != 1 {
		t.Fatalf("error = %v", err)
	}
	if st, _ := ob.Stats(); st.Pending != 1 {
		t.Fatalf("%d pending when the runtime returned", st.Pending)
	}
	if len(wake) != 1 {
		t.Fatal("the resender was not woken")
	}
	up.Store(true)
	rs := &outbox.Resender{Store: ob, Client: func(string) (outbox.Poster, error) { return c, nil }}
	if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != 1 {
		t.Fatalf("flush %+v, %v", res, err)
	}
	if st, _ := ob.Stats(); st.Pending != 0 {
		t.Errorf("%d pending after the resend", st.Pending)
	}
	reqs := be.Requests()
	if len(reqs) != 3 || !bytes.Equal(reqs[0].Body, reqs[2].Body) ||
		reqs[0].Header.Get(transport.IdempotencyHeader) != reqs[2].Header.Get(transport.IdempotencyHeader) {
		t.Errorf("%d requests; the resend is not the same body under the same key", len(reqs))
	}
}
