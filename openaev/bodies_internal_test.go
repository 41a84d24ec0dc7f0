package openaev

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A finding no max payload size can send (its structured output over the
// platform's string limit) gets a WARN that says so and gives no size;
// one a larger size sends gets that size, which holds it.
func TestFindingLeftOutWarnings(t *testing.T) {
	tests := []struct {
		name  string
		size  int
		sends bool
	}{
		{"over the structured output limit", MaxStructuredOutputLen + 1, false},
		{"over the largest max payload size", MaxMaxPayloadSize, false},
		{"fits a larger max payload size", 6 << 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := testkit.Logger()
			p := NewProfile(nil, nil, log)
			pl := &plan{complete: Execution{Message: "m", Status: StatusSuccess, Action: ActionComplete}}
			pc := piece{key: "scan_results", size: tt.size}
			needs := pl.findingsNeed("m", []piece{pc})
			p.warnFindingLeftOut("inj", pc, needs)
			w := logs.FilterMessageSnippet("finding not sent").All()
			if len(w) != 1 {
				t.Fatalf("%d WARN lines", len(w))
			}
			f := w[0].ContextMap()
			_, named := f["needs"]
			if f["finding"] != "scan_results" || f["bytes"] != int64(tt.size) || named != tt.sends {
				t.Errorf("WARN %q %v", w[0].Message, f)
			}
			if tt.sends && (needs < tt.size || needs > MaxMaxPayloadSize) {
				t.Errorf("needs %d for a finding of %d bytes", needs, tt.size)
			}
		})
	}
}
