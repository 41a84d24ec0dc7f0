package httpx

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// An escaper writes a character as one escape of an encoding Redact
// decodes; start is the character its escapes start with, which an
// encoder escapes wherever it stands (a JSON encoder writes each
// backslash \\, whatever it escapes besides).
type escaper struct {
	name  string
	start rune
	esc   func(r rune) string
}

// escapers are the encodings a text may hold a secret in, escape by
// escape: percent escapes of its UTF-8 bytes, a decimal and a hex HTML
// character reference, a JSON \u escape (a surrogate pair above U+FFFF).
var escapers = []escaper{
	{"percent", '%', func(r rune) string {
		var b strings.Builder
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		return b.String()
	}},
	{"decimal reference", '&', func(r rune) string { return fmt.Sprintf("&#%d;", r) }},
	{"hex reference", '&', func(r rune) string { return fmt.Sprintf("&#x%x;", r) }},
	{"JSON", '\\', func(r rune) string {
		switch {
		case r == '\\':
			return `\\`
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			return fmt.Sprintf(`\u%04x\u%04x`, r1, r2)
		}
		return fmt.Sprintf(`\u%04x`, r)
	}},
}

// escapeSome returns s with the characters whose index (modulo 64) is set
// in mask, and those e's escapes start with, written by e.
func escapeSome(s string, e escaper, mask uint64) string {
	var b strings.Builder
	for i, r := range []rune(s) {
		if mask&(1<<(i%64)) != 0 || r == e.start {
			b.WriteString(e.esc(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestRedactTwoEncodings: a secret encoded twice, by any two of the
// encodings Redact decodes (the same one twice too), is redacted whole:
// one of its characters escaped and the escape's first character escaped
// in turn (standin%252Dtoken, standin&#37;2Dtoken), and every character
// escaped and every character of that escaped again.
func TestRedactTwoEncodings(t *testing.T) {
	const secret = "S3cr3t-a1b2c3d4-Tok"
	dash := uint64(1 << strings.IndexByte(secret, '-'))
	for _, e1 := range escapers {
		for _, e2 := range escapers {
			once := escapeSome(secret, e1, dash)
			for _, tt := range []struct{ name, echo string }{
				{"a character, its escape's first", escapeSome(once, e2, dash)},
				{"every character, twice", escapeSome(escapeSome(secret, e1, ^uint64(0)), e2, ^uint64(0))},
			} {
				t.Run(e1.name+", then "+e2.name+": "+tt.name, func(t *testing.T) {
					line := `params.ports "` + tt.echo + `": not a port number`
					want := `params.ports "` + Redacted + `": not a port number`
					if got := Redact(line, secret); got != want {
						t.Errorf("Redact(%q) = %q, want %q", line, got, want)
					}
				})
			}
		}
	}
	for _, tt := range []struct{ name, echo string }{
		{"percent-encoded twice", "S3cr3t%252Da1b2c3d4-Tok"},
		{"percent sign as an HTML reference", "S3cr3t&#37;2Da1b2c3d4-Tok"},
		{"percent sign \\u-escaped", `S3cr3t\u00252Da1b2c3d4-Tok`},
		{"a reference's ampersand percent-encoded", "S3cr3t%26%2345;a1b2c3d4-Tok"},
		{"a reference's ampersand as &amp;", "S3cr3t&amp;#45;a1b2c3d4-Tok"},
		{"a \\u escape's backslash as a reference", "S3cr3t&#92;u002da1b2c3d4-Tok"},
		{"a \\u escape's backslash percent-encoded", "S3cr3t%5Cu002Da1b2c3d4-Tok"},
		{"a \\u escape's backslash \\u-escaped", `S3cr3t\u005cu002da1b2c3d4-Tok`},
		{"percent-encoded twice, in a JSON log line", jsonString("bad S3cr3t%252Da1b2c3d4-Tok")},
		// r14: five rounds deep. encoding/json writes the reference's "&"
		// as \u0026, a round of its own.
		{"percent sign as a reference, quoted three times", jsonString(jsonString(jsonString("x S3cr3t&#37;2Da1b2c3d4-Tok y")))},
		{"percent-encoded twice, quoted three times", jsonString(jsonString(jsonString("x S3cr3t%252Da1b2c3d4-Tok y")))},
		{"\\u-escaped, quoted four times", jsonString(jsonString(jsonString(jsonString(`x S3cr3t\u002da1b2c3d4-Tok y`))))},
		{"&amp; four deep", "S3cr3t&amp;amp;amp;amp;#45;a1b2c3d4-Tok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			line := "v=" + tt.echo
			if got := NewRedactor(secret).Redact(line); strings.Contains(got, "a1b2c3d4") || !strings.Contains(got, Redacted) {
				t.Errorf("Redact(%q) = %q", line, got)
			}
			if got := NewRedactor(secret).ServerText(line); strings.Contains(got, "a1b2c3d4") {
				t.Errorf("ServerText(%q) = %q", line, got)
			}
		})
	}
}

// FuzzRedactTwoEncodings checks that a secret is redacted whichever of
// its characters one encoding escapes (mask1), and whichever characters
// of that a second escapes in turn (mask2), the escapes' own characters
// among them.
func FuzzRedactTwoEncodings(f *testing.F) {
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(0))
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(1))
	f.Add("standin-token", uint64(1<<7), uint64(1<<7), uint8(0), uint8(3))
	f.Add("s3cr3t=😀<&>x", uint64(0x1f5), uint64(0xffff), uint8(3), uint8(2))
	f.Add("it's-secret-42", uint64(1<<2), uint64(1<<3|1<<4), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, secret string, mask1, mask2 uint64, e1, e2 uint8) {
		if len(secret) < ShortSecret || !utf8.ValidString(secret) || strings.ContainsAny(secret, `%&\`) {
			t.Skip() // a secret holding what starts an escape may read as one
		}
		echo := escapeSome(escapeSome(secret, escapers[int(e1)%len(escapers)], mask1), escapers[int(e2)%len(escapers)], mask2)
		if got := Redact("v="+echo+";", secret); got != "v="+Redacted+";" {
			t.Errorf("secret %q echoed as %q: %q", secret, echo, got)
		}
	})
}
