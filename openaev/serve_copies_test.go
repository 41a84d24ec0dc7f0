package openaev_test

import (
	"testing"

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
			started, release := make(chan struct{}), make(chan struct{})
			s.nmap.during = func() {
				if s.nmap.calls.Load() == 1 {
					close(started)
					<-release
				}
			}
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
			<-started
			s.handler.Abandon() // the run goes on; its result is delivered or kept
			close(release)
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
