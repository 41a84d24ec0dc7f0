package openaev_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
)

// TestBlankFindingLeftOut: a finding value the platform stores blank
// (Finding.value is @NotBlank: "", spaces, "\"\"", a list of empty
// strings, an object as a text) failed the insert of the whole batch,
// its callbacks and every other callback of it lost. The profile leaves
// it out (a multiple output's blank item alone) with one WARN naming the
// output: the complete is processed, the inject's other findings stored.
func TestBlankFindingLeftOut(t *testing.T) {
	text := framework.Output{Type: "text", Field: "remark", Finding: true}
	lines := framework.Output{Type: "text", Field: "lines", Multiple: true, Finding: true}
	for _, tt := range []struct {
		name     string
		output   framework.Output
		value    any
		stored   any // the value the platform holds for the output; nil: none
		warnItem int // the item the WARN names; -1: the whole value; -2: no WARN
	}{
		{"empty", text, "", nil, -1},
		{"spaces", text, "   ", nil, -1},
		{"two quotes", text, `""`, nil, -1},
		{"control chars", text, "\x01\t", nil, -1},
		{"a list of empty strings", text, []string{"", ""}, nil, -1},
		{"an object as text", text, map[string]any{"a": 1}, nil, -1},
		{"a blank item of a multiple output", lines, []any{"up", " ", 22}, []any{"up", float64(22)}, 1},
		{"a no-break space is text", text, "\u00a0", "\u00a0", -2},
		{"a list with text", text, []string{"", "a"}, []any{"", "a"}, -2},
	} {
		for _, v := range []openaevtest.Version{openaevtest.Version24, openaevtest.Current} {
			t.Run(tt.name+"/"+v.String(), func(t *testing.T) {
				const inject = "inj-blank"
				e := runMisfit(t, v, inject, tt.output, tt.value)
				term, ok := e.platform.Terminal(inject)
				if !ok || !term.Processed() {
					t.Fatalf("complete %s: %s", term.Outcome, term.Reason)
				}
				found := e.platform.Findings(inject)
				if found["note"] != "kept" {
					t.Errorf("note stored as %v, want kept", found["note"])
				}
				if got := found[tt.output.Field]; !reflect.DeepEqual(got, tt.stored) {
					t.Errorf("%s stored as %#v, want %#v", tt.output.Field, got, tt.stored)
				}
				warns := e.logs.FilterMessageSnippet("would store it blank").All()
				if tt.warnItem == -2 {
					if len(warns) > 0 {
						t.Fatalf("WARN %q, want none", warns[0].Message)
					}
					return
				}
				if len(warns) != 1 {
					t.Fatalf("%d WARNs of a blank value, want 1", len(warns))
				}
				ctx := warns[0].ContextMap()
				item, hasItem := ctx["item"]
				if ctx["output"] != tt.output.Field || hasItem != (tt.warnItem >= 0) || hasItem && item != int64(tt.warnItem) {
					t.Errorf("WARN %v, want output %s, item %d", ctx, tt.output.Field, tt.warnItem)
				}
			})
		}
	}
}

// TestBlankFileTextLeftOut: to a 2.4 platform a file output is sent as the
// text its contract declares; an empty one was left out already, and one
// the platform renders blank ("  ", "\"\"") is now too, named in LeftOut.
func TestBlankFileTextLeftOut(t *testing.T) {
	for _, tt := range []struct {
		value any
		sent  bool
		left  int
	}{{"", false, 0}, {"  ", false, 1}, {`""`, false, 1}, {[]string{" ", ""}, true, 0}, // sent as " , "
		{"report.pdf", true, 0}} {
		m := &framework.Manifest{Name: "x", Outputs: []framework.Output{{Type: "file", Field: "report"}}}
		r := &runtime.Report{InjectID: "i", Output: framework.ToolOutput{Findings: map[string]any{"report": tt.value}}}
		s, err := openaev.StructuredOutput(r, m, v24)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(s.JSON), &doc); err != nil {
			t.Fatal(err)
		}
		if _, sent := doc["report"]; sent != tt.sent || len(s.LeftOut) != tt.left {
			t.Errorf("%q: sent %v, left out %v; want sent %v, %d left out", tt.value, sent, s.LeftOut, tt.sent, tt.left)
		}
	}
}
