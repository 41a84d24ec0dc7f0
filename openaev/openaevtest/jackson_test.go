package openaevtest_test

import (
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
		value string
		want  int
	}{
		{"structured output at the limit", "execution_output_structured", strings.Repeat("x", n), 200},
		{"structured output one over", "execution_output_structured", strings.Repeat("x", n+1), 400},
		{"escapes count decoded", "execution_output_structured", strings.Repeat(`"`, n), 200},
		{"2-byte characters, bytes over, characters under", "execution_output_structured", strings.Repeat("é", n/2+1), 200},
		{"characters outside the BMP take two units", "execution_output_structured", strings.Repeat("😀", n/2+1), 400},
		{"message one over", "execution_message", strings.Repeat("m", n+1), 400},
	}
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		for _, tt := range tests {
			if v == openaevtest.Version24 && !strings.HasPrefix(tt.name, "structured output") {
				continue // the same rule: the limit and one over suffice
			}
			t.Run(v.String()+" "+tt.name, func(t *testing.T) {
				// A broker whose max_message_size was raised (RabbitMQ
				// 3.x's default, 128 MiB): rule 15 does not apply.
				p := platformWithNmap(t, openaevtest.WithVersion(v), openaevtest.WithMaxMessageSize(128<<20))
				body := callback("complete", "SUCCESS", nil)
				body[tt.field] = tt.value
				if st, _ := postJSON(t, p, "/api/injects/execution/callback/i1", body); st != tt.want {
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
