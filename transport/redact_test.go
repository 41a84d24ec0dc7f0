package transport

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
)

func TestRedact(t *testing.T) {
	const tok = `tok-Zq81"<&>\x y`
	tests := []struct {
		name, in string
		secrets  []string
		want     string
	}{
		{"raw", "echo " + tok + ".", []string{tok}, "echo [REDACTED]."},
		{"JSON-escaped", `{"auth":"tok-Zq81\"\u003c\u0026\u003e\\x y"}`, []string{tok}, `{"auth":"[REDACTED]"}`},
		{"JSON-escaped without HTML escaping", `{"auth":"tok-Zq81\"<&>\\x y"}`, []string{tok}, `{"auth":"[REDACTED]"}`},
		{"%q", fmt.Sprintf("%q", tok), []string{tok}, `"[REDACTED]"`},
		{"query-escaped", "t=" + url.QueryEscape(tok), []string{tok}, "t=[REDACTED]"},
		{"path-escaped", "/" + url.PathEscape(tok), []string{tok}, "/[REDACTED]"},
		{"lower-case hex", "t=tok-Zq81%22%3c%26%3e%5cx+y", []string{tok}, "t=[REDACTED]"},
		{"lower-case hex, path-escaped", "/tok%2f%c3%a4", []string{"tok/ä"}, "/[REDACTED]"},
		{"quoted twice", strconv.Quote(`{"auth":` + strconv.Quote(tok) + `}`), []string{tok}, `"{\"auth\":\"[REDACTED]\"}"`},
		{"several secrets", "a=s1 b=s2", []string{"s1", "", "s2"}, "a=[REDACTED] b=[REDACTED]"},
		{"no secret", "nothing " + tok, nil, "nothing " + tok},
		{"empty secret", "nothing", []string{""}, "nothing"},
		{"absent", "nothing here", []string{tok}, "nothing here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in, tt.secrets...); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
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
