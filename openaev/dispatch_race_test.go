package openaev_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDispatchRace: OpenAEV 2.4.0's dispatch saves its stale copy of the
// inject's status after the reception, EXECUTING again (openaevtest's
// rule 21). The legacy ingestion refuses the "complete" 409 for as long as
// nothing sets PENDING again: the profile sends the reception again, once,
// and the platform processes the "complete" (EXECUTED, the signatures
// stored), the injector run once. The queued ingestion takes the
// "complete" (200) and saves it after five requeues: nothing more is sent.
func TestDispatchRace(t *testing.T) {
	const id = "inj-race"
	tests := []struct {
		name       string
		platform   openaevtest.Option
		wantCalls  string
		receptions int
		// turns is how many worker turns the platform runs before it
		// stores the result (0: processed before the answer).
		turns int
	}{
		{name: "legacy: reception sent again after the 409", platform: openaevtest.WithLegacyIngestion(),
			wantCalls: "reception 200, trace 200, trace 200, complete 409, reception 200, complete 200", receptions: 2},
		{name: "queued: taken, saved after five requeues", platform: openaevtest.WithHeldIngestion(),
			wantCalls: "reception 200, trace 200, trace 200, complete 200", receptions: 1, turns: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{tt.platform, openaevtest.WithStaleDispatch()})
			e.register(t)
			msg := nmapAssetsMessage(t, e, id, 1)
			e.platform.Dispatch(id)
			if err := e.proc.Process(context.Background(), msg); err != nil {
				t.Fatalf("Process: %v", err)
			}
			if got := strings.Join(kinds(e.platform.Calls(id)), ", "); got != tt.wantCalls {
				t.Errorf("calls %s\nwant  %s", got, tt.wantCalls)
			}
			for turn := 1; turn <= tt.turns; turn++ {
				if got := e.platform.InjectStatus(id); got != "EXECUTING" {
					t.Fatalf("before worker turn %d: inject %s, want EXECUTING (the complete requeued)", turn, got)
				}
				e.platform.Ingest()
			}
			if got := e.platform.InjectStatus(id); got != "EXECUTED" {
				t.Errorf("inject %s, want EXECUTED", got)
			}
			processed := slices.DeleteFunc(e.platform.Completions(id), func(c openaevtest.Call) bool { return c.Outcome != openaevtest.Processed })
			if len(processed) != 1 {
				t.Errorf("%d completes processed, want 1", len(processed))
			}
			if n := len(e.platform.Signatures(id)); n == 0 {
				t.Error("no signatures stored")
			}
			if n := len(e.platform.Receptions(id)); n != tt.receptions {
				t.Errorf("%d receptions, want %d", n, tt.receptions)
			}
			if n := e.logs.FilterMessageSnippet("reception sent again").Len(); n != tt.receptions-1 {
				t.Errorf("%d WARN lines saying the reception was sent again, want %d", n, tt.receptions-1)
			}
		})
	}
}
