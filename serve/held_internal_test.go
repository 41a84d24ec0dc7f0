package serve

import (
	"context"
	"strings"
	"testing"
	"time"
)

// /healthz counts the results held (HoldingResult, through a Handler's
// context) against what holds them: the workers, or with delivery slots
// those; 503 once every one holds one, its reason the HeldReason line;
// 200 with the line as a warning before; a reason that comes first (a
// stop) keeps the line as the warning.
func TestHealthCountsResultsHeld(t *testing.T) {
	tests := []struct {
		name          string
		workers, dslt int
		held          int
		stuck         bool
		want          string
	}{
		{"none held", 2, 0, 0, false, ""},
		{"one of two workers", 2, 0, 1, false, "1 of 2 workers"},
		{"two of two workers", 2, 0, 2, true, "2 of 2 workers"},
		{"one of two delivery slots", 4, 2, 1, false, "1 of 2 delivery slots"},
		{"every delivery slot", 4, 2, 2, true, "2 of 2 delivery slots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Workers: tt.workers, DeliverySlots: tt.dslt})
			ctx := context.Background()
			if _, err := r.register(ctx, "registration"); err != nil {
				t.Fatal(err)
			}
			r.connected.Store(true)
			var releases []func()
			before := time.Now().Add(-time.Second)
			for range tt.held {
				j := &job{}
				r.jobs[j] = struct{}{}
				releases = append(releases, HoldingResult(r.withStage(ctx, j)))
			}
			h := r.health()
			switch {
			case tt.held == 0:
				if h.Status != "ok" || h.ResultsHeld != 0 || h.Warning != "" || h.ResultsHeldSince != "" {
					t.Errorf("health with nothing held: %+v", h)
				}
				return
			case tt.stuck:
				if h.Status == "ok" || !strings.Contains(h.Reason, tt.want) || h.Warning != "" {
					t.Errorf("health with every slot holding a result: %+v, want unavailable, the reason naming %q", h, tt.want)
				}
			default:
				if h.Status != "ok" || h.Reason != "" || !strings.Contains(h.Warning, tt.want) {
					t.Errorf("health with some slots holding a result: %+v, want ok, a warning naming %q", h, tt.want)
				}
			}
			since, err := time.Parse(time.RFC3339, h.ResultsHeldSince)
			if h.ResultsHeld != tt.held || err != nil || since.Before(before.Truncate(time.Second)) {
				t.Errorf("results_held %d since %q, want %d since the holds began", h.ResultsHeld, h.ResultsHeldSince, tt.held)
			}
			// A stop comes first; the line stays, as the warning.
			stopCtx, stop := context.WithCancel(ctx)
			r.ctx = stopCtx
			stop()
			if h := r.health(); !strings.HasPrefix(h.Reason, "shutting down") || !strings.Contains(h.Warning, tt.want) {
				t.Errorf("health while stopping: %+v, want the stop's reason and the held line as a warning", h)
			}
			r.ctx = nil
			for _, release := range releases {
				release()
			}
			if h := r.health(); h.Status != "ok" || h.ResultsHeld != 0 || h.Warning != "" {
				t.Errorf("health once released: %+v, want ok with nothing held", h)
			}
		})
	}
	// Not a Handler's context: nothing to count, nothing to release.
	HoldingResult(context.Background())()
}
