package openaev_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestRerunFindingsUnreadable: the "complete" of an inject run again
// (Processor.Reopened, --rerun-finished) whose stored findings cannot be
// read. A failure worth a later try (a 5xx, a 429) keeps it in the outbox,
// not sent; a flush while the search still fails keeps it again, and one
// once it works delivers it, without the findings stored. A refusal for
// good (a platform without the route, a 403) sends it at once without its
// findings. Either way the platform processes it: nothing is dropped, the
// inject finishes, every finding is stored once.
func TestRerunFindingsUnreadable(t *testing.T) {
	tests := []struct {
		name   string
		status int
		// kept: the complete stays pending in the outbox until the search
		// works.
		kept bool
	}{
		{"5xx: kept pending", http.StatusInternalServerError, true},
		{"429: kept pending", http.StatusTooManyRequests, true},
		{"no route (404): sent without its findings", http.StatusNotFound, false},
		{"denied (403): sent without its findings", http.StatusForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-unread"
			s := newServeEnv(t, serveOpts{version: openaevtest.Version24, injectors: "nmap, noop", outbox: true})
			ctx := context.Background()
			msg := s.message(t, id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			if err := s.proc.Process(ctx, msg); err != nil {
				t.Fatal(err)
			}
			first := s.platform.StoredFindings(id)
			if len(first) == 0 || !openaev.Finished(s.platform.InjectStatus(id)) {
				t.Fatalf("first run: findings %v, inject %s", first, s.platform.InjectStatus(id))
			}
			s.platform.FailFindings(id, tt.status, 1<<30)
			s.proc.Reopened(id)
			_ = s.proc.Process(ctx, msg) // kept in the outbox, or delivered

			dropped := func(when string) {
				t.Helper()
				for _, c := range s.platform.Dropped() {
					t.Errorf("%s: the platform dropped a %s: %s", when, c.Kind, c.Reason)
				}
			}
			dropped("after the run")
			if len(s.platform.CallsOf(openaevtest.KindFindings)) == 0 {
				t.Fatal("the stored findings were never searched")
			}
			rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns,
				Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
			if tt.kept {
				pending := s.records(t)[outbox.Pending]
				if pending == 0 || len(s.platform.Completions(id)) != 1 {
					t.Fatalf("outbox %v, %d completes processed: want the run's complete pending, not sent",
						s.records(t), len(s.platform.Completions(id)))
				}
				if st := s.platform.InjectStatus(id); openaev.Finished(st) {
					t.Errorf("inject %s while its complete is pending", st)
				}
				res, err := rs.Flush(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Delivered != 0 || s.records(t)[outbox.Pending] != pending {
					t.Errorf("flush while the search fails: %+v, outbox %v; want all %d kept", res, s.records(t), pending)
				}
				dropped("after a flush while the search fails")
				s.platform.FailFindings(id, 0, 0)
				if res, err := rs.Flush(ctx); err != nil || res.Delivered != pending {
					t.Errorf("flush once the search works: %+v, %v; want %d delivered", res, err, pending)
				}
				dropped("after the flush")
			} else {
				warned := s.logs.FilterMessage("the inject's stored findings cannot be read from the platform; " +
					"sending the complete without its findings (one it already stores would have the callback dropped)").All()
				if len(warned) != 1 || warned[0].ContextMap()["findings"] != int64(len(first)) {
					t.Errorf("logged %v, want one WARN counting %d findings", warned, len(first))
				}
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v at the end, want empty", got)
			}
			if n := len(s.platform.Completions(id)); n != 2 {
				t.Errorf("%d completes processed, want 2", n)
			}
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if got := s.platform.StoredFindings(id); !slices.Equal(got, first) {
				t.Errorf("stored findings %v, want the first run's %v once", got, first)
			}
		})
	}
}
