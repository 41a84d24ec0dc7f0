package openaevtest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestOverlongStringRefused: the platform's Jackson refuses a body any
// string value of which is longer than 20,000,000 characters (decoded,
// UTF-16 units) with a 400, on every line: nothing of the callback is
// kept and the inject stays PENDING. A string at the limit, or one whose
// UTF-8 bytes only are over it, is read.
func TestOverlongStringRefused(t *testing.T) {
	n := openaevtest.MaxStringLen
	tests := []struct {
		name  string
		field string
		unit  string // the value is unit, count times
		count int
		want  int
	}{
		{"structured output at the limit", "execution_output_structured", "x", n, 200},
		{"structured output one over", "execution_output_structured", "x", n + 1, 400},
		{"escapes count decoded", "execution_output_structured", `"`, n, 200},
		{"2-byte characters, bytes over, characters under", "execution_output_structured", "é", n/2 + 1, 200},
		{"characters outside the BMP take two units", "execution_output_structured", "😀", n/2 + 1, 400},
		{"message one over", "execution_message", "m", n + 1, 400},
	}
	for _, tt := range tests {
		// Made once for both versions, as json.Marshal makes it.
		var body []byte
		for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
			if v == openaevtest.Version24 && !strings.HasPrefix(tt.name, "structured output") {
				continue // the same rule: the limit and one over suffice
			}
			t.Run(v.String()+" "+tt.name, func(t *testing.T) {
				// A broker whose max_message_size was raised (RabbitMQ
				// 3.x's default, 128 MiB): rule 15 does not apply.
				p := platformWithNmap(t, openaevtest.WithVersion(v), openaevtest.WithMaxMessageSize(128<<20))
				if body == nil {
					body = repeatedField(t, callback("complete", "SUCCESS", nil), tt.field, tt.unit, tt.count)
				}
				if st, _ := post(t, p, "/api/injects/execution/callback/i1", token, "application/json", body); st != tt.want {
					t.Fatalf("status %d, want %d", st, tt.want)
				}
				done, _ := p.Terminal("i1")
				if got := p.InjectStatus("i1"); (got == "PENDING") != (tt.want == 400) || done.Processed() != (tt.want == 200) {
					t.Errorf("inject %s, complete processed %v", got, done.Processed())
				}
			})
		}
	}
}

// repeatedField returns body as JSON, its field set to unit count times:
// the bytes json.Marshal gives, made in one buffer of their size, where
// strings.Repeat and json.Marshal copied the tens of MiB of the value
// three times (a third of TestOverlongStringRefused's time under -race).
// json.Marshal encodes a string character by character, so the encoded
// value is the encoded unit count times.
func repeatedField(t *testing.T, body map[string]any, field, unit string, count int) []byte {
	t.Helper()
	body[field] = ""
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	empty := []byte(`"` + field + `":""`)
	at := bytes.Index(b, empty)
	enc, err := json.Marshal(unit)
	if at < 0 || err != nil {
		t.Fatalf("%s not in %s (%v)", empty, b, err)
	}
	enc = enc[1 : len(enc)-1]
	at += len(empty) - 1 // at the closing quote
	out := make([]byte, 0, len(b)+len(enc)*count)
	out = append(out, b[:at]...)
	for range count {
		out = append(out, enc...)
	}
	return append(out, b[at:]...)
}

// TestStructuredOutputFirstValue: the platform reads
// execution_output_structured with Jackson's readValue, which takes the
// first JSON value and never looks at what follows it (no
// FAIL_ON_TRAILING_TOKENS): trailing text or whitespace leaves the outputs
// processed, their findings stored or their bad values dropped. A first
// value that is no object is skipped, the callback processed without
// findings. Call.Structured, the tests' view, is stricter: one object,
// nothing after it.
func TestStructuredOutputFirstValue(t *testing.T) {
	good := structured(map[string]any{"scan_results": []any{map[string]any{"asset_id": "a1", "host": "10.0.0.5", "port": 22, "service": "ssh"}}})
	bad := structured(map[string]any{"ports": []any{"x"}})
	tests := []struct {
		name     string
		output   string
		outcome  string
		findings int  // scan_results rows stored
		strict   bool // Call.Structured reads it: one object, nothing after
	}{
		{"object alone", good, openaevtest.Processed, 1, true},
		{"trailing whitespace", good + " \n\t", openaevtest.Processed, 1, true},
		{"trailing text", good + " and then some", openaevtest.Processed, 1, false},
		{"trailing brace", good + "}", openaevtest.Processed, 1, false},
		{"a second object", good + bad, openaevtest.Processed, 1, false},
		{"bad value, trailing text", bad + "garbage", openaevtest.Dropped, 0, false},
		{"not JSON", "{not json", openaevtest.Processed, 0, false},
		{"a list first", "[" + good + "]", openaevtest.Processed, 0, false},
		{"text first", "x" + good, openaevtest.Processed, 0, false},
		{"null", "null", openaevtest.Processed, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithNmap(t)
			body := callback("complete", "SUCCESS", nil)
			body["execution_output_structured"] = tt.output
			c := postCallback(t, p, "i1", body)
			if c.Outcome != tt.outcome {
				t.Fatalf("outcome %s (%s), want %s", c.Outcome, c.Reason, tt.outcome)
			}
			rows, _ := p.Findings("i1")["scan_results"].([]any)
			if len(rows) != tt.findings {
				t.Errorf("findings %v, want %d scan_results rows", p.Findings("i1"), tt.findings)
			}
			if _, ok := c.Structured(); ok != tt.strict {
				t.Errorf("Structured() ok = %v, want %v: the test guard takes exactly one JSON object", ok, tt.strict)
			}
		})
	}
}
