package openaev

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// TestFindingsSummaryLeftOut: the complete's findings summary counts the
// items sent of each list output, and says how many were left out and
// why, whether some were sent or none: an output whose items were all
// left out no longer reads as one with none; one with no item reads 0.
func TestFindingsSummaryLeftOut(t *testing.T) {
	m := &framework.Manifest{Outputs: []framework.Output{{Type: "cve", Field: "cves", Multiple: true}}}
	three := []any{"a", "b", "c"}
	tests := []struct {
		name     string
		value    any
		misfits  []misfit
		tooLarge map[string]bool
		want     string
	}{
		{"none", []any{}, nil, nil, " (cves: 0)"},
		{"all sent", three, nil, nil, " (cves: 3)"},
		{"some not of the type", three, []misfit{{field: "cves", item: 1}}, nil, " (cves: 2 (1 left out: not of the output's type))"},
		{"all not of the type", three, []misfit{{field: "cves", item: 0}, {field: "cves", item: 1}, {field: "cves", item: 2}}, nil,
			" (cves: 0 (3 left out: not of the output's type))"},
		{"the whole value not of the type", three, []misfit{{field: "cves", item: -1}}, nil, " (cves: 0 (3 left out: not of the output's type))"},
		{"too large", three, nil, map[string]bool{"cves": true}, " (cves: 0 (3 left out: too large for the callback))"},
		{"some not of the type, the rest too large", three, []misfit{{field: "cves", item: 2}}, map[string]bool{"cves": true},
			" (cves: 0 (3 left out: 1 not of the output's type and 2 too large for the callback))"},
		{"another output too large", three, nil, map[string]bool{"hosts": true}, " (cves: 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := findingsSummary(map[string]any{"cves": tt.value}, m, tt.misfits, tt.tooLarge); got != tt.want {
				t.Errorf("summary %q, want %q", got, tt.want)
			}
		})
	}
}
