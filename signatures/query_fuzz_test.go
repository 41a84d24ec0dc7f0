package signatures_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/injectkit/injectkit/signatures"
)

// unseen reports whether r is a character a query must not hold: a
// control (Cc) or format (Cf) character, or a line or paragraph
// separator.
func unseen(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// FuzzExternalConfigQuery checks that ExternalConfig.Validate accepts no
// query holding a control or format character, a line or paragraph
// separator, or a byte that is not UTF-8, and that the error refusing a
// query names the query field and shows nothing a terminal would obey or
// that would reorder or break the line.
func FuzzExternalConfigQuery(f *testing.F) {
	for _, q := range []string{
		"apache", `product:"Apache httpd" port:443`, "org:\"Zürich\u00a0AG\"", "org:\"שלום\"",
		"apache\u202eevil", "\u202aport:22\u202c", "a\u2066b\u2069", "a\u2067\u2068", "apa\u200bche", "\u200c\u200d\u200e\u200f",
		"\ufeffapache", "a\u00adb", "a\u061cb", "a\u2028b\u2029", "a\nb", "a\r\nb", "a\tb", "a\x00", "a\x7f", "a\u0085b", "a\u009b31m",
		"apache \xff", " \t", "\u200b",
	} {
		f.Add(q, "")
		f.Add(q, "192.0.2.1")
	}
	f.Fuzz(func(t *testing.T, query, ipv4 string) {
		err := signatures.ExternalConfig{Query: query, TargetIPv4: ipv4}.Validate()
		if err == nil {
			if !utf8.ValidString(query) || strings.ContainsFunc(query, unseen) {
				t.Fatalf("Validate accepted the query %q", query)
			}
			return
		}
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("Validate() = %T %v, want a *ValidationError", err, err)
		}
		if ve.Field != "query" {
			return
		}
		if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unseen) {
			t.Fatalf("the error shows the query unescaped: %q", msg)
		}
	})
}
