package httpx

import (
	"encoding/base32"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestRedactBase32AndReversed: a server echoing the token base32-encoded
// (either alphabet, padded or not, in either case: a DNS label carries it
// lower-cased), the base32 of a longer text holding it at each of its five
// alignments, or the token written backwards, shows it to no reader: each
// is redacted, and what comes before it is kept.
func TestRedactBase32AndReversed(t *testing.T) {
	const tok = "tokAlpha-7Q9zR2xW/+é"
	std, hexEnc := base32.StdEncoding, base32.HexEncoding
	raw := func(e *base32.Encoding) *base32.Encoding { return e.WithPadding(base32.NoPadding) }
	cases := []struct{ name, echo, kept string }{
		{"base32", std.EncodeToString([]byte(tok)), ""},
		{"base32, unpadded", raw(std).EncodeToString([]byte(tok)), ""},
		{"base32, lower case", strings.ToLower(raw(std).EncodeToString([]byte(tok))), ""},
		{"base32 hex alphabet", hexEnc.EncodeToString([]byte(tok)), ""},
		{"reversed", "rev=" + reversed(tok) + "&", "rev="},
		{"reversed Authorization header", reversed("Bearer " + tok), ""},
	}
	// "Bearer " is 7 bytes; the prefixes put the token at alignments 2, 3,
	// 4, 0 and 1 of base32's groups of five bytes.
	for _, prefix := range []string{"Bearer ", "Bearer: ", "Token=1 ab", "Auth: Bearer ", "key: Bearer  "} {
		for ename, enc := range map[string]*base32.Encoding{"std": std, "hex": hexEnc} {
			text := prefix + tok + `"}`
			before := enc.EncodeToString([]byte(prefix[:len(prefix)/5*5]))
			cases = append(cases, struct{ name, echo, kept string }{
				fmt.Sprintf("base32 (%s) of a text, alignment %d", ename, len(prefix)%5),
				enc.EncodeToString([]byte(text)), strings.TrimRight(before, "="),
			})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Redact(`{"echo":"`+tc.echo+`"}`, tok)
			if !strings.Contains(got, Redacted) || base32Shows(got, tok) || strings.Contains(got, reversed(tok)[:6]) {
				t.Errorf("echo %q: %q, want the token hidden", tc.echo, got)
			}
			if !strings.Contains(got, tc.kept) {
				t.Errorf("echo %q: %q, want %q kept", tc.echo, got, tc.kept)
			}
		})
	}
}

// TestRedactShortSecretBase32Kept: a short secret's unpadded base32 and
// its reverse, a few letters and digits that ordinary text holds, are not
// redacted (see distinctForms); the secret itself is.
func TestRedactShortSecretBase32Kept(t *testing.T) {
	line := "KQ ti at T"
	if got, want := Redact(line, "T"), "KQ ti at [REDACTED]"; got != want {
		t.Errorf("Redact(%q, T) = %q, want %q", line, got, want)
	}
	if got := Redact("tsil xyz", "list"); got != "tsil xyz" {
		t.Errorf("short secret reversed: %q, want it kept", got)
	}
}

// base32Shows reports whether a base32 run of s (either alphabet, either
// case), decoded from any of its first eight characters, holds three bytes
// in a row of secret.
func base32Shows(s, secret string) bool {
	for _, run := range base32Run.FindAllString(strings.ToUpper(s), -1) {
		for _, enc := range []*base32.Encoding{base32.StdEncoding, base32.HexEncoding} {
			enc = enc.WithPadding(base32.NoPadding)
			for off := range min(8, len(run)) {
				r := run[off:]
				b, _ := enc.DecodeString(r[:len(r)/8*8])
				for i := 0; i+3 <= len(secret); i++ {
					if strings.Contains(string(b), secret[i:i+3]) {
						return true
					}
				}
			}
		}
	}
	return false
}

var base32Run = regexp.MustCompile(`[A-Z2-7]+|[0-9A-V]+`)
