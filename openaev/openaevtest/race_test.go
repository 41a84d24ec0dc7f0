package openaevtest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDispatchRace: with WithStaleDispatch, the dispatch's copy of the
// status, saved after the reception, sets the inject back to EXECUTING
// (rule 21). The queued ingestion requeues the "complete" five times and
// then saves it: processed, EXECUTED (Current), its signatures stored. The legacy
// ingestion answers 409 for as long as nothing sets PENDING again (nothing
// stored); a second reception does, and the "complete" is processed.
func TestDispatchRace(t *testing.T) {
	sigs := map[string]any{"expectation_signatures": signatureBatch("a1", [2]string{"target_ipv4_address", "10.0.0.1"})}
	const cb, rec = "/api/injects/execution/callback/i1", "/api/injects/execution/reception/i1"
	reception := func(t *testing.T, p *openaevtest.Platform) {
		t.Helper()
		st, doc := postJSON(t, p, rec, map[string]any{"tracking_total_count": 1})
		if status, _ := doc["inject_status"].(map[string]any); st != 200 || status["status_name"] != "PENDING" {
			t.Fatalf("reception: %d %v, want 200 and the inject PENDING", st, doc)
		}
	}
	stored := func(p *openaevtest.Platform) int { return len(p.Signatures("i1")["DETECTION"]) }
	tests := []struct {
		name string
		opts []openaevtest.Option
		// run sends the complete(s) and checks what the platform does
		// until it stores the result.
		run func(t *testing.T, p *openaevtest.Platform)
	}{
		{name: "queued: requeued five times, then saved", opts: []openaevtest.Option{openaevtest.WithHeldIngestion()},
			run: func(t *testing.T, p *openaevtest.Platform) {
				if st, _ := postJSON(t, p, cb, callback("complete", "SUCCESS", sigs)); st != 200 {
					t.Fatalf("complete: %d, want 200 (queued)", st)
				}
				for turn := 1; turn <= 5; turn++ {
					p.Ingest()
					if got := p.InjectStatus("i1"); got != "EXECUTING" || stored(p) != 0 {
						t.Fatalf("worker turn %d: inject %s, %d signatures stored; want the complete requeued", turn, got, stored(p))
					}
				}
				p.Ingest() // the sixth processing saves it anyway
			}},
		{name: "legacy: 409 until a reception sets PENDING again", opts: []openaevtest.Option{openaevtest.WithLegacyIngestion()},
			run: func(t *testing.T, p *openaevtest.Platform) {
				for range 3 {
					if st, _ := postJSON(t, p, cb, callback("complete", "SUCCESS", sigs)); st != http.StatusConflict || stored(p) != 0 {
						t.Fatalf("complete: %d, %d signatures stored; want 409, nothing stored", st, stored(p))
					}
				}
				p.SweepPending(time.Now().Add(24 * time.Hour)) // the sweep looks at PENDING injects only
				if got := p.InjectStatus("i1"); got != "EXECUTING" {
					t.Fatalf("after the sweep: %s, want EXECUTING", got)
				}
				reception(t, p)
				if st, _ := postJSON(t, p, cb, callback("complete", "SUCCESS", sigs)); st != 200 {
					t.Fatalf("complete after a second reception: %d", st)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, append(tt.opts, openaevtest.WithStaleDispatch())...)
			if st, reply := register(t, p, nmapContract(nil)); st != 200 {
				t.Fatalf("registration %d %v", st, reply)
			}
			p.AddInject("i1", nmapContractID)
			p.Dispatch("i1")
			reception(t, p)
			if got := p.InjectStatus("i1"); got != "EXECUTING" {
				t.Fatalf("after the reception: %s, want EXECUTING (the dispatch's stale save)", got)
			}
			tt.run(t, p)
			if got := p.InjectStatus("i1"); got != "EXECUTED" || stored(p) != 1 {
				t.Errorf("inject %s, %d signatures stored; want EXECUTED and 1", got, stored(p))
			}
			if cs := p.Completions("i1"); len(cs) == 0 || cs[len(cs)-1].Outcome != openaevtest.Processed {
				t.Errorf("completes %+v: want the last Processed", cs)
			}
		})
	}
}
