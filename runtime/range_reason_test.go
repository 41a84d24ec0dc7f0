package runtime_test

import (
	"errors"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A spec refused by the runtime names the character no target form allows
// in a value that reads as an address or a range, as the command line
// does: one reason, whichever layer refuses it.
func TestSpecNamesTheCharacterNoFormAllows(t *testing.T) {
	cases := []struct {
		name  string
		spec  runtime.TargetSpec
		field string
		want  string
	}{
		{"IPv6 value", runtime.TargetSpec{Value: "::1\u200b"}, "value",
			"not an IP address, CIDR range or host name: it holds the non-printable character U+200B at byte 3"},
		{"range value", runtime.TargetSpec{Value: "10.0.0.0/2\u200b4"}, "value",
			signatures.NotARange + ": it holds the non-printable character U+200B at byte 10"},
		{"range target_ipv6", runtime.TargetSpec{TargetIPv6: "2001:db8::/1!20"}, "target_ipv6",
			signatures.NotARange + ": it holds the character U+0021 '!' at byte 12"},
		{"range without a stray character", runtime.TargetSpec{Value: "10.0.0.0/33"}, "value", signatures.NotARange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.spec.Config()
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Config() = %v, want a *signatures.ValidationError", err)
			}
			if ve.Field != c.field || ve.Reason != c.want {
				t.Errorf("Config() = field %q reason %q, want field %q reason %q", ve.Field, ve.Reason, c.field, c.want)
			}
		})
	}
}
