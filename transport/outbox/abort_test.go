package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// abort is an outbox.Aborter fired by hand.
type abort struct {
	ch   chan struct{}
	once sync.Once
	held int
}

func (a *abort) Hold() (<-chan struct{}, func()) { a.held++; return a.ch, func() { a.held-- } }
func (a *abort) fire()                           { a.once.Do(func() { close(a.ch) }) }

// aborting is bigProfile whose post of chunk at fires the abort and waits
// for it to be cut short, as a second interrupt does to a slow backend.
type aborting struct {
	bigProfile
	abort *abort
	at    int
}

func (p *aborting) PostBody(ctx context.Context, injectID string, chunk int, body []byte) error {
	if chunk == p.at {
		p.abort.fire()
		<-ctx.Done()
		return ctx.Err()
	}
	return p.bigProfile.PostBody(ctx, injectID, chunk, body)
}

// An abort (a second interrupt) while a send of six bodies, stored in
// three transactions, waits for a slow backend: nothing more is posted,
// and every body not delivered is kept pending, those not stored yet
// included, the error counting them.
func TestDelivererAbortKeepsEveryBodyNotDelivered(t *testing.T) {
	for _, at := range []int{0, 1, 3, 5} {
		t.Run(fmt.Sprint("chunk ", at), func(t *testing.T) {
			ob := openStore(t, outbox.Options{})
			a := &abort{ch: make(chan struct{})}
			p := &aborting{abort: a, at: at}
			err := (&outbox.Deliverer{Profile: p, Store: ob, Abort: a}).Deliver(context.Background(), nil)
			var se *runtime.StoredError
			if !errors.As(err, &se) || !errors.Is(err, outbox.ErrAborted) || se.Pending != 6-at || se.Dead != 0 {
				t.Fatalf("error = %v, want %d pending, aborted", err, 6-at)
			}
			if !slices.Equal(p.posted, []int{0, 1, 2, 3, 4, 5}[:at]) {
				t.Errorf("posted %v", p.posted)
			}
			if kept := pendingChunks(t, ob); !slices.Equal(kept, []int{0, 1, 2, 3, 4, 5}[at:]) {
				t.Errorf("kept chunks %v, want %d-5", kept, at)
			}
			if in, err := ob.Incomplete(); len(in) != 0 || err != nil {
				t.Errorf("left a send record: %+v %v", in, err)
			}
			if a.held != 0 {
				t.Errorf("abort still held %d times", a.held)
			}
		})
	}
}

// tracing is bigProfile whose Bodies posts first, as a profile may (the
// openaev per-target traces are a Before hook: see
// TestDelivererAbortDuringBefore), and is interrupted there: the abort
// fires while it waits for a slow backend.
type tracing struct {
	bigProfile
	abort  *abort
	held   bool // whether a send held the abort when it fired
	posted int
}

func (p *tracing) Bodies(ctx context.Context, r *runtime.Report) (outbox.Bodies, error) {
	p.held = p.abort.held > 0
	p.abort.fire()
	if p.held {
		<-ctx.Done() // the trace in flight, cut short
	}
	return p.bigProfile.Bodies(ctx, r)
}

func (p *tracing) PostBody(ctx context.Context, injectID string, chunk int, body []byte) error {
	p.posted++
	return p.bigProfile.PostBody(ctx, injectID, chunk, body)
}

// An abort while the profile builds its bodies (posting traces first) cuts
// that short and keeps every body pending, none posted: the abort was held
// from the start, so the command does not exit at once, with nothing
// stored.
func TestDelivererAbortWhileBuildingTheBodies(t *testing.T) {
	ob := openStore(t, outbox.Options{})
	a := &abort{ch: make(chan struct{})}
	p := &tracing{abort: a}
	err := (&outbox.Deliverer{Profile: p, Store: ob, Abort: a}).Deliver(context.Background(), nil)
	var se *runtime.StoredError
	if !errors.As(err, &se) || !errors.Is(err, outbox.ErrAborted) || se.Pending != 6 {
		t.Fatalf("error = %v, want the 6 bodies pending, aborted", err)
	}
	if !p.held {
		t.Error("the abort was not held while the bodies were built: the command would exit at once")
	}
	if p.posted != 0 {
		t.Errorf("%d bodies posted after the abort", p.posted)
	}
	if recs, err := ob.List(); err != nil || len(recs) != 6 {
		t.Errorf("outbox holds %d records (%v), want 6", len(recs), err)
	}
	if a.held != 0 {
		t.Errorf("abort still held %d times", a.held)
	}
}

// An abort (a second interrupt) while a body's send is in flight, the
// backend having received it: the body stays pending with the attempts
// made (the one cut short in flight included) and the backend's last
// answer if it gave one, else an error saying the attempt was cut short.
// The error of the send says the body was not delivered, not that it was
// not sent; the bodies after it were not sent and stay as they were
// stored.
func TestDelivererAbortKeepsTheAttemptsMade(t *testing.T) {
	cases := []struct {
		name        string
		refuseFirst bool // the first attempt gets a 503, the retry is cut
		requests    int32
		attempts    int
		want        string // in the error and chunk 0's last error
	}{
		{"a retry after a refusal", true, 2, 2, "503"},
		{"the first attempt", false, 1, 1, "cut short"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := &abort{ch: make(chan struct{})}
			var requests atomic.Int32
			done := make(chan struct{})
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body) // the server then sees the client go
				if requests.Add(1) == 1 && tc.refuseFirst {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				a.fire() // received: then the second interrupt, which cuts it
				select {
				case <-r.Context().Done():
				case <-done:
				}
			}))
			t.Cleanup(be.Close)
			t.Cleanup(func() { close(done) }) // before be.Close
			ob := openStore(t, outbox.Options{})
			d := &outbox.Deliverer{Profile: callback.Deliverer{Client: client(t, be.URL, transport.WithRetry(4, time.Millisecond))}, Store: ob, Abort: a}
			err := d.Deliver(context.Background(), report(t, "inj-a", 40))
			var se *runtime.StoredError
			if !errors.As(err, &se) || !errors.Is(err, outbox.ErrAborted) || se.Pending != 5 {
				t.Fatalf("error = %v, want 5 pending, aborted", err)
			}
			if msg := err.Error(); !strings.Contains(msg, "chunks 0-4 of 5 not delivered") || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q: want chunks 0-4 not delivered, with %q", msg, tc.want)
			}
			if n := requests.Load(); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			recs, err := ob.List()
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				switch {
				case r.State != outbox.Pending:
					t.Errorf("chunk %d %s, want pending", r.ChunkIndex, r.State)
				case r.ChunkIndex == 0 && (r.Attempts != tc.attempts || !strings.Contains(r.LastError, tc.want)):
					t.Errorf("chunk 0: %d attempts, last error %q; want %d, %q", r.Attempts, r.LastError, tc.attempts, tc.want)
				case r.ChunkIndex > 0 && (r.Attempts != 0 || r.LastError != ""):
					t.Errorf("chunk %d: %d attempts, last error %q; want none (not sent)", r.ChunkIndex, r.Attempts, r.LastError)
				}
			}
		})
	}
}

// HoldAbort, which the Deliverer and cli's deliverer without an outbox
// share: the context ends once the abort fires or the hold is released,
// aborted says which, and release gives the hold back. An aborter that
// never fires (nil, or one holding no channel) leaves the context alone.
func TestHoldAbort(t *testing.T) {
	cases := []struct {
		name      string
		aborter   func() (outbox.Aborter, *abort)
		fire      bool
		wantAbort bool
	}{
		{name: "nil aborter", aborter: func() (outbox.Aborter, *abort) { return nil, nil }},
		{name: "typed nil aborter", aborter: func() (outbox.Aborter, *abort) { var a *abortNil; return a, nil }},
		{name: "no channel", aborter: func() (outbox.Aborter, *abort) { a := &abort{}; return a, a }},
		{name: "not fired", aborter: func() (outbox.Aborter, *abort) { a := &abort{ch: make(chan struct{})}; return a, a }},
		{name: "fired", aborter: func() (outbox.Aborter, *abort) { a := &abort{ch: make(chan struct{})}; return a, a },
			fire: true, wantAbort: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.Context()
			ab, a := tc.aborter()
			ctx, aborted, release := outbox.HoldAbort(parent, ab)
			if a != nil && a.held != 1 {
				t.Fatalf("held %d times during the send, want 1", a.held)
			}
			if tc.fire {
				a.fire()
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the send's context outlived the abort")
				}
			} else if ctx.Err() != nil {
				t.Fatalf("the send's context ended without an abort: %v", ctx.Err())
			}
			if got := aborted(); got != tc.wantAbort {
				t.Errorf("aborted() = %v, want %v", got, tc.wantAbort)
			}
			release()
			if a != nil && a.held != 0 {
				t.Errorf("held %d times after release, want 0", a.held)
			}
			if ab != nil && ctx.Err() == nil {
				t.Error("the send's context still open after release")
			}
			if parent.Err() != nil {
				t.Error("release ended the caller's context")
			}
		})
	}
}

// abortNil is an Aborter whose nil value never fires, as cli's *Abort.
type abortNil struct{}

func (a *abortNil) Hold() (<-chan struct{}, func()) { return nil, func() {} }
