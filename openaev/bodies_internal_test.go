package openaev

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A finding no max payload size can send (its structured output over the
// platform's string limit) gets a WARN that says so and gives no size;
// one a larger size sends gets that size, which holds it, and says when
// that size is over what the platform's broker takes by default.
func TestFindingLeftOutWarnings(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		sends  bool
		broker bool // the size that sends it is over what the platform's broker takes by default
	}{
		{"over the structured output limit", MaxStructuredOutputLen + 1, false, false},
		{"over the largest max payload size", MaxMaxPayloadSize, false, false},
		{"fits a larger max payload size", 6 << 20, true, false},
		{"fits a max payload size over the broker's", 16 << 20, true, true},
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
			if said := strings.Contains(w[0].Message, "max_message_size"); said != tt.broker {
				t.Errorf("WARN %q names the broker's max_message_size: %v, want %v (needs %d)", w[0].Message, said, tt.broker, needs)
			}
			if tt.sends && (needs < tt.size || needs > MaxMaxPayloadSize) {
				t.Errorf("needs %d for a finding of %d bytes", needs, tt.size)
			}
		})
	}
}
