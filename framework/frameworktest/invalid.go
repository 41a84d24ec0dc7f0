package frameworktest

import (
	"errors"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// WantInvalid checks the error of a check a test expects to refuse field
// (a param, a setting), or to pass when field is "": err must then be
// nil, else hold a *signatures.ValidationError on field, which it
// returns. Otherwise it fails t, at once, and returns nil.
func WantInvalid(t testing.TB, err error, field string) *signatures.ValidationError {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("err = %v, want none", err)
		}
		return nil
	}
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != field {
		t.Fatalf("err = %v, want a validation error on %s", err, field)
	}
	return ve
}
