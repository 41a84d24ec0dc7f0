package openaev_test

import (
	"testing"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerLetsGoOfSharedOutbox checks that the shared outbox a first
// delivery's room check and start record share one opening of (see
// Store.Hold) is let go of before the inject runs, its start recorded,
// and after the message is settled: another process takes its lock at
// once, in the run and after it.
func TestHandlerLetsGoOfSharedOutbox(t *testing.T) {
	tests := []struct {
		name        string
		redelivered bool
	}{
		{name: "first delivery"},
		{name: "redelivered", redelivered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			var inRun []outbox.StartedRun
			var runErr error
			s.nmap.during = func() {
				other, err := outbox.Open(s.store.Path(), outbox.Options{}) // the lock tried once
				if err != nil {
					runErr = err
					return
				}
				defer other.Close()
				inRun, runErr = other.Starts()
			}
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: tt.redelivered})
			if got := settlement(err); got != "ack" {
				t.Fatalf("settlement %s (%v), want ack", got, err)
			}
			if runErr != nil || len(inRun) != 1 || inRun[0].InjectID != "i-1" {
				t.Errorf("in the run, another process found the starts %+v (%v), want the file free and i-1's start", inRun, runErr)
			}
			other, err := outbox.Open(s.store.Path(), outbox.Options{Timeout: outbox.DefaultTimeout})
			if err != nil {
				t.Fatalf("after the handling: %v", err)
			}
			_ = other.Close()
		})
	}
}
