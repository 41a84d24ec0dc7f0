package frameworktest_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

func TestWantInvalid(t *testing.T) {
	onPort := fmt.Errorf("decode: %w", &signatures.ValidationError{Field: "params.port", Reason: "out of range"})
	tests := []struct {
		name  string
		err   error
		field string
		fails bool
	}{
		{"no error, none wanted", nil, "", false},
		{"the field wanted", onPort, "params.port", false},
		{"an error, none wanted", onPort, "", true},
		{"another field", onPort, "params.mode", true},
		{"not a validation error", errors.New("boom"), "params.port", true},
		{"no error, one wanted", nil, "params.port", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *signatures.ValidationError
			msgs := check(t, func(tb testing.TB) { got = frameworktest.WantInvalid(tb, tt.err, tt.field) })
			if failed := len(msgs) > 0; failed != tt.fails {
				t.Errorf("failed %v (%q), want %v", failed, msgs, tt.fails)
			}
			if !tt.fails && tt.field != "" && (got == nil || got.Field != tt.field) {
				t.Errorf("returned %v, want the error on %s", got, tt.field)
			}
		})
	}
}

// TestWantInvalidNamesTheParamsPrefix: framework.DecodeParams refuses a
// param as params.NAME, a params struct's Validate as NAME; a newcomer's
// WantInvalid(t, DecodeParams(…), "ports") failed "want a validation error
// on ports" of an error on params.ports, and left them guessing (helper
// t219). The failure now says which name to give; the check stays exact.
func TestWantInvalidNamesTheParamsPrefix(t *testing.T) {
	decoded := &signatures.ValidationError{Field: "params.ports", Value: "abc", Reason: "no port"}
	validated := &signatures.ValidationError{Field: "ports", Value: "abc", Reason: "no port"}
	for _, tt := range []struct {
		name  string
		err   error
		field string
		want  string
	}{
		{"decoded, bare name", decoded, "ports", `want "params.ports"`},
		{"validated, prefixed name", validated, "params.ports", "as a params struct's Validate names a param"},
		{"another param", decoded, "mode", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			msgs := check(t, func(tb testing.TB) { frameworktest.WantInvalid(tb, tt.err, tt.field) })
			if len(msgs) == 0 {
				t.Fatalf("WantInvalid passed an error on another field")
			}
			hinted := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, "(the error names it") })
			if tt.want == "" && hinted || tt.want != "" && !slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, tt.want) }) {
				t.Errorf("WantInvalid reported %q; want %q", msgs, tt.want)
			}
		})
	}
}
