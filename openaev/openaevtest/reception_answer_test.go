package openaevtest_test

import (
	"testing"
)

// TestReceptionAnswersTheInject: the reception answers the Inject entity
// it saved (2.4.0, InjectApi.injectExecutionReception), as GET does:
// inject_status PENDING whatever it was before, and status_traces as the
// reception keeps them, an earlier run's COMPLETE trace included (rule 8).
func TestReceptionAnswersTheInject(t *testing.T) {
	p := platformWithNmap(t)
	const reception = "/api/injects/execution/reception/i1"
	tests := []struct {
		name string
		// before runs before the reception.
		before    func(t *testing.T)
		completes int
	}{
		{name: "fresh"},
		{name: "after a complete", before: func(t *testing.T) {
			if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", callback("complete", "SUCCESS", nil)); st != 200 {
				t.Fatalf("complete: %d", st)
			}
		}, completes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			st, doc := postJSON(t, p, reception, map[string]any{"tracking_total_count": 1})
			if st != 200 {
				t.Fatalf("reception: %d", st)
			}
			status, _ := doc["inject_status"].(map[string]any)
			if doc["inject_id"] != "i1" || status == nil || status["status_name"] != "PENDING" {
				t.Fatalf("reception answered %v, want the inject, PENDING", doc)
			}
			traces, ok := status["status_traces"].([]any)
			completes := 0
			for _, tr := range traces {
				if m, _ := tr.(map[string]any); m["execution_action"] == "COMPLETE" {
					completes++
				}
			}
			if !ok || completes != tt.completes {
				t.Errorf("status_traces %v: %d COMPLETE, want %d", status["status_traces"], completes, tt.completes)
			}
		})
	}
}
