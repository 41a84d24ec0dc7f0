package openaev

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestEnvelopeLen checks envelopeLen against the body json.Marshal gives,
// for every field and each kind of character it escapes, and that it
// counts an envelope without encoding one: no allocation for a message of
// plain ASCII.
func TestEnvelopeLen(t *testing.T) {
	long := strings.Repeat("noop: 1 target, success; ", 40)
	tests := []struct {
		name   string
		e      Execution
		allocs bool // checked to allocate nothing
	}{
		{name: "complete", e: Execution{Message: long, Status: StatusSuccess, Action: ActionComplete, Duration: 12}, allocs: true},
		{name: "empty", e: Execution{}},
		{name: "negative duration", e: Execution{Message: "m", Duration: -3}},
		{name: "large duration", e: Execution{Duration: math.MaxInt}},
		{name: "HTML and quotes", e: Execution{Message: `<a href="x">&</a> \ "q"`, Status: "s&s", Action: "a<b>"}},
		{name: "control characters", e: Execution{Message: "a\tb\nc\rd\x00e\x1f\b\f"}},
		{name: "non-ASCII", e: Execution{Message: "héte — 日本 \u2028 \u2029 \ufffd"}},
		{name: "invalid UTF-8", e: Execution{Message: "a\xffb\xc3", Status: "\xe2\x80"}},
		{name: "one context identifier", e: Execution{Message: "t", ContextIdentifiers: []string{"asset-1"}}},
		{name: "context identifiers", e: Execution{ContextIdentifiers: []string{"a<1>", "", "é\x01"}}},
		{name: "empty context identifiers", e: Execution{ContextIdentifiers: []string{}}},
		{name: "structured output", e: Execution{Message: "m", OutputStructured: `{"k":"<v>"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.e)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := envelopeLen(tt.e), len(b)-1+len(`,"execution_output_structured":""}`); got != want {
				t.Fatalf("envelopeLen = %d, want %d (body %s)", got, want, b)
			}
			if !tt.allocs {
				return
			}
			if n := testing.AllocsPerRun(100, func() { _ = envelopeLen(tt.e) }); n != 0 {
				t.Errorf("envelopeLen allocated %.0f times, want 0 (counted, not encoded)", n)
			}
		})
	}
}
