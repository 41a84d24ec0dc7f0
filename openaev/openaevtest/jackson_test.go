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
// UTF-8 bytes or escaped form only are over it, is read.
//
// Each value is the limit's worth of "x" save one, then one character
// that tells a count of characters from a count of bytes: written one
// byte over as an escape, one byte over as UTF-8, one unit over as
// UTF-16. A body is made once, by bytes.Repeat (json.Marshal encodes a
// string byte by byte, seconds per 20 MB under -race), and the cases run
// in parallel: each posts 20 MB, which the stand-in reads as Jackson does.
func TestOverlongStringRefused(t *testing.T) {
	n := openaevtest.MaxStringLen
	tests := []struct {
		name  string
		field string
		fill  int    // the value is fill "x"
		tail  string // then tail
		want  int
	}{
		{"structured output at the limit", "execution_output_structured", n, "", 200},
		{"structured output one over", "execution_output_structured", n + 1, "", 400},
		{"an escape counts decoded: written one over, read at the limit", "execution_output_structured", n - 1, `"`, 200},
		{"a 2-byte character counts once: bytes one over, characters at the limit", "execution_output_structured", n - 1, "é", 200},
		{"a character outside the BMP takes two units: one over", "execution_output_structured", n - 1, "😀", 400},
		{"message one over", "execution_message", n + 1, "", 400},
	}
	for _, tt := range tests {
		tail, err := json.Marshal(tt.tail)
		if err != nil {
			t.Fatal(err)
		}
		value := append(bytes.Repeat([]byte("x"), tt.fill), tail[1:len(tail)-1]...)
		body := fieldValue(t, callback("complete", "SUCCESS", nil), tt.field, value)
		for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
			if v == openaevtest.Version24 && !strings.HasPrefix(tt.name, "structured output") {
				continue // the same rule: the limit and one over suffice
			}
			t.Run(v.String()+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				// A broker whose max_message_size was raised (RabbitMQ
				// 3.x's default, 128 MiB): rule 15 does not apply.
				p := platformWithNmap(t, openaevtest.WithVersion(v), openaevtest.WithMaxMessageSize(128<<20))
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

// repeatedField returns body as JSON, its field set to unit count times.
// json.Marshal encodes a string character by character, so the encoded
// value is the encoded unit count times.
func repeatedField(t *testing.T, body map[string]any, field, unit string, count int) []byte {
	t.Helper()
	enc, err := json.Marshal(unit)
	if err != nil {
		t.Fatal(err)
	}
	return fieldValue(t, body, field, bytes.Repeat(enc[1:len(enc)-1], count))
}

// fieldValue returns body as JSON, its field set to the string whose
// encoded form, quotes aside, is value: the bytes json.Marshal gives,
// made in one buffer of their size, where json.Marshal, which encodes a
// string byte by byte, takes seconds per 20 MB under -race.
func fieldValue(t *testing.T, body map[string]any, field string, value []byte) []byte {
	t.Helper()
	body[field] = ""
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	empty := []byte(`"` + field + `":""`)
	at := bytes.Index(b, empty)
	if at < 0 {
		t.Fatalf("%s not in %s", empty, b)
	}
	at += len(empty) - 1 // at the closing quote
	out := make([]byte, 0, len(b)+len(value))
	out = append(out, b[:at]...)
	out = append(out, value...)
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
