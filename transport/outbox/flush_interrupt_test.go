package outbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, down.URL, transport.WithRetry(1, time.Millisecond))}, Store: ob}
	if err := d.Deliver(context.Background(), report(t, "inj-a", 1)); err == nil {
		t.Fatal("delivered to a backend answering 503")
	}
	before, err := ob.List()
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
