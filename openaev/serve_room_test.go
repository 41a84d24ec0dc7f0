package openaev_test

import (
	"errors"
	"fmt"
	"net/http"
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
