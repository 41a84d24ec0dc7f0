package openaev_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestHandlerRoomOfTheLargestResult checks the room a run reserves in a
// full outbox (the platform failing every "complete", so that each
// result stays stored): 4 KiB before any result was seen, then that of
// the largest result stored so far (the bytes its bodies needed in the
// outbox, as outbox.Deliverer's Sized says). An inject is paused only when the
// outbox has no such room; every inject run has its result kept.
func TestHandlerRoomOfTheLargestResult(t *testing.T) {
	const minRoom = 4 << 10
	tests := []struct {
		name    string
		max     int64
		prefill bool // a callback stored first: less than 4 KiB left
	}{
		{name: "4 KiB: the first result's room", max: minRoom},
		{name: "4 KiB, a callback stored: no room for a result of unknown size", max: minRoom, prefill: true},
		{name: "16 KiB", max: 16 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, outboxMax: tt.max})
			if tt.prefill {
				s.keepCallback(t)
			}
			for i := 0; ; i++ {
				if i == 100 {
					t.Fatalf("100 injects run in an outbox of %d bytes, none paused", tt.max)
				}
				id := fmt.Sprintf("i-%d", i)
				s.platform.FailComplete(id, http.StatusInternalServerError, 1<<20)
				before, need := s.storedBytes(t), s.largest.Load() // the largest result before this one
				err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)})
				if need == 0 {
					need = min(minRoom, tt.max)
				}
				var pe *serve.PauseError
				if errors.As(err, &pe) {
					if before+need <= tt.max {
						t.Errorf("%s paused (%v) with %d of %d bytes stored, room for a result of %d bytes (the largest so far, else 4 KiB)", id, err, before, tt.max, need)
					}
					if n := int(s.nmap.calls.Load()); n != i {
						t.Errorf("%d runs of %d injects handled before the pause", n, i)
					}
					break
				}
				if err != nil {
					t.Fatalf("%s: %v, want stored and acknowledged, or paused", id, err)
				}
				if before+need > tt.max {
					t.Errorf("%s ran with %d of %d bytes stored, no room for a result of %d bytes", id, before, tt.max, need)
				}
			}
			if n := s.logs.FilterMessageSnippet("without storing it").Len(); n != 0 {
				t.Errorf("%d results found no room after their run", n)
			}
		})
	}
}

// storedBytes returns the bytes the outbox holds.
func (s *serveEnv) storedBytes(t *testing.T) int64 {
	t.Helper()
	st, err := s.store.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Bytes
}

// TestHandlerPauseReasonNow checks the reason of a pause for a full
// outbox, as /healthz reads it (serve.PauseError's Current): it counts
// the room the runs in flight reserved beside the bytes stored, and says
// the outbox as it is when read, not when the pause started.
func TestHandlerPauseReasonNow(t *testing.T) {
	const limit = 6000 // room for one run in flight, of 4 KiB, not two
	s := newServeEnv(t, serveOpts{outbox: true, outboxMax: limit})
	handle := func(id string) error {
		s.platform.FailComplete(id, http.StatusInternalServerError, 1<<20)
		return s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)})
	}
	running, free := s.nmap.holdNextRun()
	defer free() // a failed test leaves no run blocked
	first := make(chan error, 1)
	go func() { first <- handle("i-0") }()
	<-running
	var pe *serve.PauseError
	if err := handle("i-1"); !errors.As(err, &pe) || pe.Current == nil {
		t.Fatalf("beside a run in flight: %v, want a pause whose reason is read anew", err)
	}
	for _, w := range []string{fmt.Sprintf("outbox full: %d of %d bytes stored, ", s.storedBytes(t), limit), " reserved for 1 result in flight"} {
		if now := pe.Current(); !strings.Contains(pe.Reason, w) || !strings.Contains(now, w) {
			t.Errorf("at the pause: reason %q, now %q; want %q in both", pe.Reason, now, w)
		}
	}
	free()
	if err := <-first; err != nil {
		t.Fatalf("the run in flight: %v, want its result stored and acknowledged", err)
	}
	stored, now := s.storedBytes(t), pe.Current()
	for _, w := range []string{fmt.Sprintf(": %d of %d bytes stored, ", stored, limit), " 0 reserved for 0 results in flight"} {
		if stored == 0 || !strings.Contains(now, w) {
			t.Errorf("once the run's result is stored (%d bytes): reason now %q, want %q in it", stored, now, w)
		}
	}
	if full := stored+s.largest.Load() > limit; strings.HasPrefix(now, "outbox full:") != full {
		t.Errorf("reason now %q, with %d of %d bytes stored and %d needed: want it to say full only when it is", now, stored, limit, s.largest.Load())
	}
}
