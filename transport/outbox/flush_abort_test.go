package outbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A flush interrupted while a body's post is in flight records it as a
// run's abort and a retry-dead do: the attempt counted, its last error
// saying it was cut short (the backend may have received it), the body
// pending.
func TestFlushInterruptedRecordsTheAttemptInFlight(t *testing.T) {
	ob := openStore(t, outbox.Options{})
	before, err := storedAfterA503(t, ob)
	if err != nil || len(before) == 0 {
		t.Fatalf("stored %v, %v", before, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	hold := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		cancel() // received: then the interrupt, which cuts it short
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(hold.Close)
	t.Cleanup(func() { close(done) }) // before hold.Close
	c := client(t, hold.URL, transport.WithRetry(1, time.Millisecond))
	rs := &outbox.Resender{Store: ob, Client: func(string) (outbox.Poster, error) { return c, nil }}
	if _, err := rs.Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("flush: %v, want interrupted", err)
	}
	after, err := ob.List()
	if err != nil {
		t.Fatal(err)
	}
	cut := 0
	for i, r := range after {
		if r.State != outbox.Pending {
			t.Errorf("%d %s, want pending", r.ID, r.State)
		}
		if strings.Contains(r.LastError, "cut short by the interrupt while in flight (the backend may have received it)") {
			cut++
			if r.Attempts != before[i].Attempts+1 {
				t.Errorf("%d: %d attempts, want %d", r.ID, r.Attempts, before[i].Attempts+1)
			}
		}
	}
	if cut != 1 {
		t.Errorf("%d bodies say they were cut short in flight, want 1: %+v", cut, after)
	}
}

// TestCutShort: an interrupt that ends the wait before a retry says the
// error of the attempt it waited to retry (tester t107: run's second
// Ctrl-C said only "context canceled"); one that cuts an attempt short
// says whether the backend may have it.
func TestCutShort(t *testing.T) {
	refused := &httpx.HTTPError{Op: "callback", Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")}
	tests := []struct {
		name string
		ie   httpx.InterruptedError
		want string
	}{
		{"waiting, after an error", httpx.InterruptedError{Err: context.Canceled, Last: refused, Attempts: 2, Waiting: true},
			"interrupted while waiting to retry, after attempt 2 (no request in flight; its error: callback failed: dial tcp " +
				"127.0.0.1:1: connect: connection refused): context canceled"},
		{"waiting, its attempts held back", httpx.InterruptedError{Err: context.Canceled, Attempts: 1, Waiting: true},
			"interrupted while waiting to retry, after attempt 1 (no request in flight): context canceled"},
		{"connecting", httpx.InterruptedError{Err: context.Canceled, Attempts: 1},
			"attempt 1 cut short by the interrupt while connecting (never sent): context canceled"},
		{"in flight", httpx.InterruptedError{Err: context.Canceled, Attempts: 1, Connected: true},
			"attempt 1 cut short by the interrupt while in flight (the backend may have received it): context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := outbox.CutShort(&tt.ie)
			if err.Error() != tt.want || !errors.Is(err, context.Canceled) {
				t.Errorf("CutShort = %q, want %q, wrapping the cancellation", err, tt.want)
			}
		})
	}
}

// A flush whose retry an interrupt cuts short in flight, after an earlier
// attempt of the same send failed on its own (a 503): the body's last
// error keeps that answer (its status too) and says that the attempt
// after it was cut short in flight, so that the backend may hold the
// body, as the flush's line ("its last error says so") and retry-dead's
// exit 130 say it does (tester t127: it said only "callback failed after
// 1 attempt: status 503", two attempts made).
func TestFlushCutShortAfterARefusalSaysSo(t *testing.T) {
	ob := openStore(t, outbox.Options{})
	before, err := storedAfterA503(t, ob)
	if err != nil || len(before) != 1 {
		t.Fatalf("stored %v, %v; want one body", before, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var requests atomic.Int32
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if requests.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		cancel() // the retry received: then the interrupt, which cuts it short
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(flaky.Close)
	t.Cleanup(func() { close(done) }) // before flaky.Close
	c := client(t, flaky.URL, transport.WithRetry(2, time.Millisecond))
	rs := &outbox.Resender{Store: ob, Client: func(string) (outbox.Poster, error) { return c, nil }}
	res, err := rs.Flush(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("flush: %v, want interrupted", err)
	}
	if res.Cut != 1 {
		t.Errorf("flush result %+v: want 1 cut short in flight", res)
	}
	if n := requests.Load(); n != 2 {
		t.Fatalf("%d requests, want 2 (a 503, then the retry cut short)", n)
	}
	after, err := ob.List()
	if err != nil || len(after) != 1 {
		t.Fatalf("after the flush: %v, %v", after, err)
	}
	r := after[0]
	if r.State != outbox.Pending || r.Attempts != before[0].Attempts+2 || r.LastStatus != http.StatusServiceUnavailable {
		t.Errorf("%s, %d attempts, last status %d; want pending, %d attempts, 503", r.State, r.Attempts, r.LastStatus, before[0].Attempts+2)
	}
	for _, want := range []string{"status 503", "attempt 2 cut short by the interrupt while in flight (the backend may have received it)"} {
		if !strings.Contains(r.LastError, want) {
			t.Errorf("last error %q: want %q in it", r.LastError, want)
		}
	}
}

// storedAfterA503 delivers one body of inject inj-a to a backend
// answering 503, once, so that ob keeps it, and lists ob.
func storedAfterA503(t *testing.T, ob *outbox.Store) ([]outbox.Record, error) {
	t.Helper()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, down.URL, transport.WithRetry(1, time.Millisecond))}, Store: ob}
	if err := d.Deliver(context.Background(), report(t, "inj-a", 1)); err == nil {
		t.Fatal("delivered to a backend answering 503")
	}
	return ob.List()
}
