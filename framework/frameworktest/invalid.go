package frameworktest

import (
	"errors"
	"fmt"
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
		t.Fatalf("err = %v, want a validation error on %s%s", err, field, prefixHint(ve, field))
	}
	return ve
}

// prefixHint says why a param's refusal named it otherwise: a params
// struct's Validate names the param ("ports"), framework.DecodeParams and
// framework.CheckParams name it as the runtime reports it ("params.ports").
// A newcomer's WantInvalid(t, DecodeParams(…), "ports") failed with no
// word of it (helper t219).
func prefixHint(ve *signatures.ValidationError, field string) string {
	switch {
	case ve == nil:
		return ""
	case ve.Field == "params."+field:
		return fmt.Sprintf(" (the error names it %s, as framework.DecodeParams and CheckParams name a param: want %q)", ve.Field, ve.Field)
	case "params."+ve.Field == field:
		return fmt.Sprintf(" (the error names it %s, as a params struct's Validate names a param; DecodeParams and CheckParams say %s)", ve.Field, field)
	}
	return ""
}
