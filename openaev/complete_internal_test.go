package openaev

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
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
			p.warnFindingLeftOut(t.Context(), "inj", pc, needs, nil)
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
				p.warnFindingLeftOut(t.Context(), "inj", pc, needs[i], lo.findings[:i])
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

// The complete's message of a report built by hand names the targets not
// reached having matched their reasons to the targets once, not once a
// target (three allocations each time, one of them as long as the
// targets): with fewer allocations than the report has targets.
func TestUnreachedSummaryManyTargets(t *testing.T) {
	const n = 1000
	targets := make([]framework.Target, n)
	for i := range targets {
		targets[i] = framework.Target{Config: signatures.ClassifyNetworkTarget(fmt.Sprintf("10.0.%d.%d", i/256, i%256))}
	}
	r := &runtime.Report{Injector: "nmap", Status: framework.StatusPartial, Targets: targets,
		Output: framework.ToolOutput{Unreached: map[framework.Target]string{targets[7]: "not scanned", targets[300]: "timed out"}}}
	var summary string
	var labels map[string]bool
	allocs := testing.AllocsPerRun(3, func() {
		summary, labels = unreachedSummary(r), unreachedLabels(r)
	})
	if want := "; not reached: 10.0.0.7 (not scanned), 10.0.1.44 (timed out)"; summary != want {
		t.Errorf("summary %q, want %q", summary, want)
	}
	if len(labels) != 2 || !labels["10.0.0.7"] || !labels["10.0.1.44"] {
		t.Errorf("labels %v, want 10.0.0.7 and 10.0.1.44", labels)
	}
	if allocs > n {
		t.Errorf("%.0f allocations for %d targets", allocs, n)
	}
}

// A terminal callback stopped at a body the platform refused says that
// body and the ones after it were not delivered, not "not sent": the
// refused one was sent, and its failure is quoted.
func TestPartialErrorSaysNotDelivered(t *testing.T) {
	refused := errors.New("terminal callback (data): callback failed after 3 attempts: status 400")
	for _, delivered := range []int{0, 1, 4} {
		t.Run(fmt.Sprint(delivered), func(t *testing.T) {
			const total = 9
			msg := (&PartialError{Delivered: delivered, Total: total, Err: refused}).Error()
			want := fmt.Sprintf("bodies %d-%d of %d not delivered", delivered, total-1, total)
			if !strings.HasPrefix(msg, refused.Error()) || !strings.Contains(msg, want) || strings.Contains(msg, "not sent") {
				t.Errorf("error %q, want the failure then %q (and no \"not sent\")", msg, want)
			}
		})
	}
}

// TestSupersededData: a superseded "complete" becomes a "data" callback
// carrying its signature targets, and nothing else, only when it has
// some; otherwise it is dropped.
func TestSupersededData(t *testing.T) {
	const targets = `{"targets":[{"signature_target":{"asset":"a1"},"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"target_ipv4_address","signature_value":"192.0.2.1"}]}]}]}`
	complete := func(structured string) []byte {
		b, _ := json.Marshal(Execution{Message: "nmap on 2 targets: succeeded", Status: StatusSuccess, Action: ActionComplete,
			Duration: 7, OutputStructured: structured})
		return b
	}
	tests := []struct {
		name string
		body []byte
		ok   bool
	}{
		{"signatures and findings", complete(`{"ports":[22],"expectation_signatures":` + targets + `,"z":"<x>"}`), true},
		{"no structured output", complete(""), false},
		{"no signatures", complete(`{"ports":[22]}`), false},
		{"no signature target", complete(`{"expectation_signatures":{"targets":[]}}`), false},
		{"structured output not JSON", complete(`{`), false},
		{"a data callback", []byte(`{"execution_message":"m","execution_status":"SUCCESS","execution_action":"data","execution_output_structured":"{\"expectation_signatures\":` + jsonEscape(targets) + `}"}`), false},
		{"not JSON", []byte(`{`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, ok := supersededData(tt.body)
			if ok != tt.ok {
				t.Fatalf("ok %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			var e Execution
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatalf("%v: %s", err, data)
			}
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(e.OutputStructured), &doc); err != nil {
				t.Fatal(err)
			}
			if e.Action != ActionData || e.Status != StatusSuccess || e.Duration != 7 || e.Message == "" ||
				len(doc) != 1 || string(doc[FieldExpectationSignatures]) != targets {
				t.Errorf("data callback %s", data)
			}
		})
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
