package transport

import "testing"

// Redact's forms are tested in httpx; this checks the delegation.
func TestClientRedact(t *testing.T) {
	c, err := New("http://127.0.0.1:1", WithToken(`a"b`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Redact(`x a\"b a%22b`); got != "x [REDACTED] [REDACTED]" {
		t.Errorf("Redact = %q", got)
	}
	if got := (&Client{}).Redact("x"); got != "x" {
		t.Errorf("without token: %q", got)
	}
}
