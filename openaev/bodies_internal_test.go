package openaev

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
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
			p.warnFindingLeftOut("inj", pc, needs, nil)
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

// Each finding left out gets the max payload size that sends it, though
// a larger one stays out: an nmap scan of one host's 65,535 open ports
// gives an action_output no callback holds (with scan_results, over the
// platform's structured output limit) and a scan_results a larger size
// sends. That size sends it, one byte less does not.
func TestFindingLeftOutNeedsEach(t *testing.T) {
	tests := []struct {
		name   string
		pieces []piece
		limit  int
		sends  map[string]bool // finding left out → some size sends it
	}{
		{"the larger beyond every limit", []piece{{key: "action_output", size: 18_328_255}, {key: "ports", size: 400_000},
			{key: "scan_results", size: 9_939_126}}, DefaultMaxPayloadSize,
			map[string]bool{"action_output": false, "scan_results": true}},
		{"both sent by a larger size", []piece{{key: "action_output", size: 3 << 20}, {key: "scan_results", size: 4 << 20}}, 2 << 20,
			map[string]bool{"action_output": true, "scan_results": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, logs := testkit.Logger()
			p := NewProfile(nil, nil, log)
			base := plan{r: &runtime.Report{}}
			// As Profile.plan lays out: a note's room only when a note is written.
			leftAt := func(limit int) (*plan, leftOut) {
				pl, lo := base.layout(StatusSuccess, "m", tt.pieces, limit, 0)
				if len(lo.findings) > 0 {
					pl, lo = base.layout(StatusSuccess, "m", tt.pieces, limit, noteRoom(limit))
				}
				return pl, lo
			}
			pl, lo := leftAt(tt.limit)
			if len(lo.findings) != len(tt.sends) {
				t.Fatalf("left out %v", lo.findings)
			}
			needs := pl.leftOutNeeds(func(map[string]bool) string { return "m" }, tt.pieces, lo)
			for i, pc := range lo.findings {
				p.warnFindingLeftOut("inj", pc, needs[i], lo.findings[:i])
				if (needs[i] > 0) != tt.sends[pc.key] {
					t.Fatalf("finding %s: needs %d, want a size: %v", pc.key, needs[i], tt.sends[pc.key])
				}
				if needs[i] == 0 {
					continue
				}
				for _, limit := range []int{needs[i], needs[i] - 1} {
					_, lo := leftAt(limit)
					out := slices.ContainsFunc(lo.findings, func(l piece) bool { return l.key == pc.key })
					if out != (limit < needs[i]) {
						t.Errorf("finding %s (needs %d): left out with --max-payload-size %d: %v", pc.key, needs[i], limit, out)
					}
				}
			}
			for _, w := range logs.FilterMessageSnippet("finding not sent").All() {
				f := w.ContextMap()
				n, named := f["needs"].(int64)
				if named != tt.sends[f["finding"].(string)] || named && !strings.Contains(w.Message, fmt.Sprintf("--max-payload-size %d ", n)) {
					t.Errorf("WARN %q %v", w.Message, f)
				}
			}
		})
	}
}
