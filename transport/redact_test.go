package transport

import (
	"net/url"
	"testing"
)

// Redact's forms are tested in httpx; these check the delegation.
func TestRedact(t *testing.T) {
	const tok = `a"b/c`
	in := `raw a"b/c, JSON a\"b/c, URL ` + url.QueryEscape(tok)
	if got, want := Redact(in, tok), "raw [REDACTED], JSON [REDACTED], URL [REDACTED]"; got != want {
		t.Errorf("Redact = %q, want %q", got, want)
	}
}

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
