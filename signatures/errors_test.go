package signatures_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// A field path holding what a user wrote that a terminal would obey or
// garble (an inject file's params key with a line break, an escape
// sequence, a line separator, bytes that are not UTF-8) is Go-quoted in
// the error, as a --param key is; a printable one is shown as it is.
func TestValidationErrorQuotesUnprintableField(t *testing.T) {
	for _, tt := range []struct {
		name string
		ve   signatures.ValidationError
		want string
	}{
		{"plain", signatures.ValidationError{Field: "params.delay", Value: "x", Reason: "not a duration"},
			`invalid params.delay "x": not a duration`},
		{"printable non-ASCII", signatures.ValidationError{Field: "params.délai", Reason: "unknown parameter", Withheld: true},
			`invalid params.délai (value withheld): unknown parameter`},
		{"escape and line break", signatures.ValidationError{Field: "params.a\x1b[31m\nINFO forged", Reason: "unknown parameter", Withheld: true},
			`invalid "params.a\x1b[31m\nINFO forged" (value withheld): unknown parameter`},
		{"line separator", signatures.ValidationError{Field: "params.a\u2028b", Value: "v", Reason: "unknown"},
			`invalid "params.a\u2028b" "v": unknown`},
		{"not UTF-8", signatures.ValidationError{Field: "params.a\xffb", Reason: "unknown"},
			`invalid "params.a\xffb": unknown`},
		{"long", signatures.ValidationError{Field: "params.\n" + string(make([]byte, 300)), Reason: "unknown"},
			`invalid "params.\n` + strings.Repeat(`\x00`, signatures.MaxQuoted-len("params.\n")) + `…": unknown`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ve.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
