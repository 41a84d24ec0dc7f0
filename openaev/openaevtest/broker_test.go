package openaevtest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestBrokerMessageSize checks rule 15: a callback whose queued message is
// larger than the broker's max_message_size (16 MiB by default) is
// answered 200, then dropped; a smaller one is processed; legacy mode
// queues nothing and processes it.
func TestBrokerMessageSize(t *testing.T) {
	const small = 64 << 10
	tests := []struct {
		name      string
		opts      []openaevtest.Option
		body      int // bytes of the callback's body, about
		processed bool
	}{
		{"default, a body of 16 MiB", nil, openaevtest.DefaultMaxMessageSize, false},
		{"64 KiB, a body of 63 KiB", []openaevtest.Option{openaevtest.WithMaxMessageSize(small)}, small - 1<<10, true},
		{"64 KiB, a body of 64 KiB", []openaevtest.Option{openaevtest.WithMaxMessageSize(small)}, small, false},
		{"64 KiB, a body of 64 KiB, legacy", []openaevtest.Option{openaevtest.WithMaxMessageSize(small),
			openaevtest.WithLegacyIngestion()}, small, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if testing.Short() && tt.body > small {
				t.Skip("posts a body of 16 MiB")
			}
			p := openaevtest.NewPlatform(t, token, tt.opts...)
			p.AddInject("i1", "c")
			postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
			body := callback("complete", "SUCCESS", nil)
			// The message is the body's only variable part: it makes the
			// body tt.body bytes.
			body["execution_message"] = ""
			fixed := len(mustJSON(t, body))
			body["execution_message"] = strings.Repeat("m", tt.body-fixed)
			if n := len(mustJSON(t, body)); n != tt.body {
				t.Fatalf("a body of %d bytes, want %d", n, tt.body)
			}
			c := postCallback(t, p, "i1", body)
			if c.Processed() != tt.processed {
				t.Fatalf("processed %v, want %v (%s %s)", c.Processed(), tt.processed, c.Outcome, c.Reason)
			}
			if !tt.processed && !strings.Contains(c.Reason, "max_message_size") {
				t.Errorf("reason %q does not name the broker's limit", c.Reason)
			}
			if done := p.InjectStatus("i1") != "PENDING"; done != tt.processed {
				t.Errorf("inject %s after the callback (processed %v)", p.InjectStatus("i1"), tt.processed)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
