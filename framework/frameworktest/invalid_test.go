package frameworktest_test

import (
	"errors"
	"fmt"
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
