package signatures_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

func TestValidateID(t *testing.T) {
	ok := []string{"i-1", "a b", "a/b?#%", "../x", "...", ".x", strings.Repeat("i", signatures.MaxIDLength), "execution_complete"}
	for _, v := range ok {
		if err := signatures.ValidateID("inject_id", v); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	bad := []struct{ in, want string }{
		{"", "blank"},
		{" \t", "blank"},
		{"a\x00b", `"a\x00b": holds the non-printable character U+0000 at byte 1`},
		{"a\tb", "U+0009"},
		{"a\r\nb", "U+000D"},
		{"a\x7f", "U+007F"},
		{"a\u0085", "U+0085"},
		{"a\u00a0b", "U+00A0"},
		{"a\u200eb", "U+200E"},
		{"a\u2028b", "U+2028"},
		{"a\xffb", "not valid UTF-8"},
		{"é", `"é": holds the non-ASCII character U+00E9 at byte 0 (the Idempotency-Key header carries ASCII)`},
		{"inj-\u4e00", "non-ASCII character U+4E00 at byte 4"},
		{".", `".": a dot segment`},
		{"..", `"..": a dot segment: in a URL path it would name another resource`},
		{strings.Repeat("é", 200), "400 bytes long, at most 256 allowed"},
	}
	for _, tt := range bad {
		err := signatures.ValidateID("phase", tt.in)
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) || ve.Field != "phase" {
			t.Errorf("%q: err = %v, want a *ValidationError on phase", tt.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || len(ve.Value) > 70 {
			t.Errorf("%q: error %q does not say %q or quotes too much", tt.in, err, tt.want)
		}
	}
}

// An attribution's ids are the platform's: none blank, none holding a
// control or format character; absent ones are fine.
func TestAttributionValidate(t *testing.T) {
	tests := []struct {
		a    signatures.Attribution
		want string // "" when valid
	}{
		{signatures.Attribution{}, ""},
		{signatures.Attribution{Agent: "ag-1", Asset: "0b6a3c1e-9b1f-4f5e-8a55-3c2b7f0e9d11", AssetGroup: "g é"}, ""},
		{signatures.Attribution{Asset: "\x1b]0;pwned\a"}, `invalid asset "\x1b]0;pwned\a": holds the non-printable character U+001B at byte 0`},
		{signatures.Attribution{Agent: "a", AssetGroup: " \t"}, `invalid asset_group " \t": blank`},
		{signatures.Attribution{Agent: "a\u200eb"}, `invalid agent "a\u200eb": holds the non-printable character U+200E at byte 1`},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
		var ve *signatures.ValidationError
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.a, err)
		case tt.want != "" && (!errors.As(err, &ve) || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%+v: err = %v, want a *ValidationError saying %s", tt.a, err, tt.want)
		}
	}
}

func TestShorten(t *testing.T) {
	for in, want := range map[string]string{"abc": "abc", "abcdef": "abcd…", "aéé": "aé…", "ééé": "éé…", "éééé": "éé…"} {
		if got := signatures.Shorten(in, 4); got != want {
			t.Errorf("Shorten(%q, 4) = %q, want %q", in, got, want)
		}
	}
}

// An error quotes a long value cut, not whole.
func TestValidationErrorQuotesLongValuesCut(t *testing.T) {
	long := strings.Repeat("1,", 50000)
	msg := (&signatures.ValidationError{Field: "params.ports", Value: long, Reason: "too long"}).Error()
	if want := `invalid params.ports "` + long[:signatures.MaxQuoted] + `…": too long`; msg != want {
		t.Errorf("message of %d bytes, want %d: %.200s", len(msg), len(want), msg)
	}
	if msg := (&signatures.ValidationError{Field: "x", Value: "short", Reason: "r"}).Error(); msg != `invalid x "short": r` {
		t.Errorf("short value: %q", msg)
	}
}
