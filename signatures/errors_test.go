package signatures_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// A field path holding what a user wrote that a terminal would obey or
// garble (an inject file's params key with a line break, an escape
// sequence, a line separator, bytes that are not UTF-8) is Go-quoted in
// the error, as a --param key is; a printable one is shown as it is, cut
// to MaxQuoted bytes (an inject file's params key of 100 KB).
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
		{"message target not shown", signatures.ValidationError{Field: "inject_content.targets", Value: "pw=hunter2Secret", Reason: "bad host"},
			`invalid inject_content.targets (not shown): bad host`},
		{"message target typo shown", signatures.ValidationError{Field: "inject_content.targets", Value: "10.0.0.300", Reason: "bad host"},
			`invalid inject_content.targets "10.0.0.300": bad host`},
		{"long printable key", signatures.ValidationError{Field: "params." + strings.Repeat("k", 100000), Reason: "unknown parameter", Withheld: true},
			`invalid params.` + strings.Repeat("k", signatures.MaxQuoted) + `… (value withheld): unknown parameter`},
		{"printable key at the limit", signatures.ValidationError{Field: "params." + strings.Repeat("k", signatures.MaxQuoted), Value: "1", Reason: "unknown"},
			`invalid params.` + strings.Repeat("k", signatures.MaxQuoted) + ` "1": unknown`},
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

// Unprintable is the check of a printed name no one types with an
// unusual character (an inject id, a platform id): it refuses what a
// terminal would obey or what would break or hide a line, every space but
// U+0020, and bytes that are not UTF-8; a printable character, U+FFFD
// itself included, passes.
func TestUnprintable(t *testing.T) {
	for _, tt := range []struct{ v, want string }{
		{"/tmp/outbox.db", ""},
		{"/tmp/é\uFFFD.db", ""},
		{"/tmp/x\u2028y.db", "holds the non-printable character U+2028 at byte 6"},
		{"/tmp/x\u2029y.db", "holds the non-printable character U+2029 at byte 6"},
		{"/tmp/x\u202ey.db", "holds the non-printable character U+202E at byte 6"},
		{"/tmp/x\ny.db", "holds the non-printable character U+000A at byte 6"},
		{"/tmp/x\u00a0y.db", "holds the non-printable character U+00A0 at byte 6"},
		{"/tmp/x\xffy.db", "holds the byte 0xFF at byte 6, not UTF-8"},
	} {
		if got := signatures.Unprintable(tt.v); tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("Unprintable(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// Garbling is the check of a printed path: it refuses what a terminal
// would obey or what would break, reorder or hide a line (control and
// format characters, line and paragraph separators) and bytes that are
// not UTF-8; any space a file name may hold passes, as do private-use
// and unassigned code points.
func TestGarbling(t *testing.T) {
	for _, tt := range []struct{ v, want string }{
		{"/tmp/outbox.db", ""},
		{"/tmp/é\uFFFD.db", ""},
		{"/tmp/x\u00a0y.db", ""},
		{"/tmp/x\u2009y.db", ""},
		{"/tmp/x\u3000y.db", ""},
		{"/tmp/x\u1680y.db", ""},
		{"/tmp/x\uf8ffy.db", ""},
		{"/tmp/x\U000e0080y.db", ""},
		{"/tmp/x\u2028y.db", "holds the non-printable character U+2028 at byte 6"},
		{"/tmp/x\u2029y.db", "holds the non-printable character U+2029 at byte 6"},
		{"/tmp/x\u202ey.db", "holds the non-printable character U+202E at byte 6"},
		{"/tmp/x\ufeffy.db", "holds the non-printable character U+FEFF at byte 6"},
		{"/tmp/x\ny.db", "holds the non-printable character U+000A at byte 6"},
		{"/tmp/x\u0085y.db", "holds the non-printable character U+0085 at byte 6"},
		{"/tmp/x\xffy.db", "holds the byte 0xFF at byte 6, not UTF-8"},
	} {
		if got := signatures.Garbling(tt.v); tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("Garbling(%q) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// WithholdSecret withholds a refused value holding a secret, with its
// reason, which may quote a piece of it; any other refusal is kept.
func TestWithholdSecret(t *testing.T) {
	redact := func(s string) string { return strings.ReplaceAll(s, "S3cr3t-Tok", "[REDACTED]") }
	const secretText = `invalid params.ports (value withheld): ` + signatures.ReasonSecret
	for _, tt := range []struct {
		name   string
		err    error
		redact func(string) string
		want   string
	}{
		{"whole value", &signatures.ValidationError{Field: "params.ports", Value: "S3cr3t-Tok", Reason: `in "S3cr3t-Tok": "S3cr3t" is not a port number`}, redact, secretText},
		{"value holding it", fmt.Errorf("decode: %w", &signatures.ValidationError{Field: "params.ports", Value: "1-S3cr3t-Tok", Reason: `"S3cr3t" is bad`}), redact, secretText},
		{"no secret in it", &signatures.ValidationError{Field: "params.ports", Value: "22x", Reason: `"22x" is not a port number`}, redact, `invalid params.ports "22x": "22x" is not a port number`},
		{"no value", &signatures.ValidationError{Field: "params.ports", Reason: "required"}, redact, `invalid params.ports: required`},
		{"no redaction", &signatures.ValidationError{Field: "params.ports", Value: "S3cr3t-Tok", Reason: "bad"}, nil, `invalid params.ports "S3cr3t-Tok": bad`},
		{"not a refusal", errors.New("S3cr3t-Tok"), redact, "S3cr3t-Tok"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := signatures.WithholdSecret(tt.err, tt.redact).Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
