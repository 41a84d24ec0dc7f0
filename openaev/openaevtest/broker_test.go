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
			// The message is the body's only variable part: it makes the
			// body tt.body bytes.
			message := func(n int) []byte {
				return repeatedField(t, callback("complete", "SUCCESS", nil), "execution_message", "m", n)
			}
			fixed := len(message(0))
			body := message(tt.body - fixed)
			if n := len(body); n != tt.body {
				t.Fatalf("a body of %d bytes, want %d", n, tt.body)
			}
			c := postCallbackBytes(t, p, "i1", body)
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

// TestBrokerSizesBoundBody: the queued message holds the callback's body
// as Jackson binds it, not as it was sent: what follows the first value is
// never read, a scalar coerced into a String or int field is written as
// that field, and 2.4.0, which has no execution_context_identifiers,
// drops it (Current keeps it).
func TestBrokerSizesBoundBody(t *testing.T) {
	const limit = 64 << 10
	fields := `"execution_status":"INFO","execution_action":"command_execution"`
	ids := `"execution_context_identifiers":["` + strings.Repeat("a", limit) + `"]`
	// filled is a callback whose execution_message makes it n bytes long.
	filled := func(n int, more string) []byte {
		b := `{` + fields + more + `,"execution_message":""}`
		return []byte(b[:len(b)-2] + strings.Repeat("m", n-len(b)) + `"}`)
	}
	tests := []struct {
		name    string
		body    []byte
		current bool
		want    string // Processed or Dropped
	}{
		{"trailing content past the limit", append(filled(1<<10, ""), strings.Repeat(" x", limit)...), false, openaevtest.Processed},
		{"a duration given as a string, near the limit", filled(limit-16, `,"execution_duration":"5"`), false, openaevtest.Dropped},
		{"a raw output given as a number, near the limit", filled(limit-16, `,"execution_output_raw":5`), false, openaevtest.Dropped},
		{"a duration given as a string, well under", filled(limit-1<<10, `,"execution_duration":"5"`), false, openaevtest.Processed},
		{"identifiers past the limit, 2.4.0", []byte(`{` + fields + `,"execution_message":"m",` + ids + `}`), false, openaevtest.Processed},
		{"identifiers past the limit, Current", []byte(`{` + fields + `,"execution_message":"m",` + ids + `}`), true, openaevtest.Dropped},
		// The most identifiers @Size lets by (MaxContextIdentifiers), each a
		// number of 63 digits, bound as a String: quoted in the message.
		{"identifiers as numbers, Current", []byte(`{` + fields + `,"execution_message":"m","execution_context_identifiers":[` +
			strings.Repeat(strings.Repeat("1", 63)+",", openaevtest.MaxContextIdentifiers-1) + strings.Repeat("1", 63) + `]}`),
			true, openaevtest.Dropped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := openaevtest.Version24
			if tt.current {
				v = openaevtest.Current
			}
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v), openaevtest.WithMaxMessageSize(limit))
			p.AddInject("i1", "c")
			st, reply := post(t, p, "/api/injects/execution/callback/i1", token, "application/json", tt.body)
			if st != 200 {
				t.Fatalf("status %d (%v), want 200", st, reply)
			}
			calls := p.Calls("i1")
			if c := calls[len(calls)-1]; c.Outcome != tt.want {
				t.Errorf("a body of %d bytes: %s (%s), want %s", len(tt.body), c.Outcome, c.Reason, tt.want)
			}
		})
	}
}

// TestBrokerMessageSizeToTheByte: the message the platform publishes for a
// queued callback is its InjectExecutionCallback as 2.4.0 writes it, the
// id null (InjectApi builds it with Lombok's @Builder, which ignores the
// field's UUID initializer), so a body whose message is exactly the
// broker's max_message_size is taken, one byte more refused. The want
// is written out here as the platform writes it, not computed by the
// stand-in.
func TestBrokerMessageSizeToTheByte(t *testing.T) {
	const limit = 64 << 10
	// message is the platform's message for a "complete" of inject i1
	// whose execution_message is m, and body that callback's body.
	message := func(m string) string {
		return `{"id":null,"agent_id":null,"inject_id":"i1","inject_execution_input":{"execution_message":"` + m +
			`","execution_output_structured":null,"execution_output_raw":null,"execution_status":"SUCCESS",` +
			`"execution_duration":0,"execution_action":"complete"},"execution_emission_date":1779000000000,"retry_count":0}`
	}
	body := func(m string) []byte {
		return []byte(`{"execution_message":"` + m + `","execution_status":"SUCCESS","execution_action":"complete"}`)
	}
	fits := strings.Repeat("m", limit-len(message("")))
	tests := []struct {
		name string
		m    string
		want string
	}{
		{"a message of max_message_size bytes", fits, openaevtest.Processed},
		{"a message one byte larger", fits + "m", openaevtest.Dropped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := len(message(tt.m)); n != limit && n != limit+1 {
				t.Fatalf("the test's message is %d bytes", n)
			}
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24), openaevtest.WithMaxMessageSize(limit))
			p.AddInject("i1", "c")
			postJSON(t, p, "/api/injects/execution/reception/i1", map[string]any{"tracking_total_count": 1})
			c := postCallbackBytes(t, p, "i1", body(tt.m))
			if c.Outcome != tt.want {
				t.Fatalf("a message of %d bytes: %s (%s), want %s", len(message(tt.m)), c.Outcome, c.Reason, tt.want)
			}
			if done := p.InjectStatus("i1") == "SUCCESS"; done != (tt.want == openaevtest.Processed) {
				t.Errorf("inject %s after the callback", p.InjectStatus("i1"))
			}
		})
	}
}
