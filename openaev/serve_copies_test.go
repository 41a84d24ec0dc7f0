package openaev_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// TestHandlerNoCopyRunsAfterAbandon is reviewer r4's case: once the
// shutdown abandoned the handlings in flight, a copy of an inject (one
// that waited for its predecessor, or one handled during the grace) does
// not start a run: it goes back to the queue, as the shutdown settles the
// messages it did not start.
func TestHandlerNoCopyRunsAfterAbandon(t *testing.T) {
	tests := []struct {
		name string
		opts serveOpts
	}{
		{name: "no outbox"},
		{name: "outbox", opts: serveOpts{outbox: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, tt.opts)
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			started, release := s.nmap.holdNextRun()
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
			<-started
			s.handler.Abandon() // the run goes on; its result is delivered or kept
			release()
			<-first
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
			if got := settlement(err); got != "requeue" {
				t.Errorf("the copy settled %s (%v), want requeue", got, err)
			}
			if n := s.nmap.calls.Load(); n != 1 {
				t.Errorf("nmap ran %d times, want 1", n)
			}
		})
	}
}

// TestHandlerLostCopyDoesNotRun is reviewer r4's case: a copy of an
// inject waits for the handling of another message of it, and its channel
// closes meanwhile. The broker delivers it again (maybe to another
// daemon), and that delivery handles it: once its predecessor ends, the
// copy gives up with a transient error, not run here.
func TestHandlerLostCopyDoesNotRun(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	started, release := s.nmap.holdNextRun()
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
	<-started
	var lost atomic.Bool
	go func() {
		second <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Lost: lost.Load})
	}()
	testkit.WaitFor(t, 10*time.Second, "the second copy waiting", func() bool {
		return s.logs.FilterMessageSnippet("waiting for its handling to end").Len() == 1
	})
	lost.Store(true) // its channel closed
	release()
	if err := <-first; err != nil {
		t.Errorf("first copy: %v", err)
	}
	err := <-second
	if got := settlement(err); got != "requeue" {
		t.Errorf("the lost copy settled %s (%v), want requeue", got, err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if n := len(s.platform.Receptions("i-1")); n != 1 {
		t.Errorf("%d receptions, want 1", n)
	}
}

// TestHandlerFirstDeliveryOfAStartedInject is tester t83's finding 1: a
// message of an inject run already (published again after the inject
// finished, or while another copy's complete may be stored) is a first
// delivery, and runs again; its complete would repeat the findings of the
// earlier one, and the platform would drop it whole, the inject left
// PENDING. It first reads the findings the platform stores and leaves
// those out: the platform processes it.
func TestHandlerFirstDeliveryOfAStartedInject(t *testing.T) {
	const id = "i-1"
	tests := []struct {
		name string
		// between runs between the two deliveries.
		between func(t *testing.T, s *serveEnv)
		log     string
	}{
		{name: "finished", log: "first delivery of an inject the platform shows started or finished"},
		{name: "PENDING again, its findings stored", between: func(t *testing.T, s *serveEnv) {
			if err := s.client.Reception(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}, log: "first delivery of an inject the platform shows started or finished"},
		{name: "status unreadable", between: func(_ *testing.T, s *serveEnv) {
			s.platform.FailInjectRead(id, http.StatusServiceUnavailable, 2)
		}, log: "the inject's status cannot be read from the platform; running it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true})
			body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatal(err)
			}
			if tt.between != nil {
				tt.between(t, s)
			}
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatalf("second delivery: %v", err)
			}
			completes := 0
			for _, c := range s.platform.Calls(id) {
				if c.Kind != openaevtest.KindComplete {
					continue
				}
				completes++
				if !c.Processed() {
					t.Errorf("complete %d %s: %s", completes, c.Outcome, c.Reason)
				}
			}
			if completes != 2 {
				t.Errorf("%d completes, want 2 (one per run)", completes)
			}
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s after the second run, want a final status", st)
			}
			if s.logs.FilterMessageSnippet(tt.log).Len() != 1 {
				t.Errorf("no line %q", tt.log)
			}
			if s.logs.FilterMessage("findings left out: the platform already stores them for this inject").Len() != 1 {
				t.Errorf("no line saying the findings stored were left out")
			}
		})
	}
}
