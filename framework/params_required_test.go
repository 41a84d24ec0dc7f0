package framework_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type keyParams struct {
	Key string `json:"key" param:"required"`
}

// keyed decodes its params into keyParams.
type keyed = withParams[keyParams]

// A required param given JSON null, or a required string param given an
// empty string, is refused as one not given.
func TestDecodeParamsRequiredNull(t *testing.T) {
	tests := []struct {
		name  string
		raw   map[string]any
		value string
	}{
		{"missing", nil, ""},
		{"null", map[string]any{"key": nil}, "null"},
		{"empty string", map[string]any{"key": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := framework.DecodeParams(keyed{}, tt.raw)
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "params.key" || ve.Value != tt.value ||
				!strings.HasPrefix(ve.Reason, framework.ReasonRequired) {
				t.Fatalf("err = %#v, want params.key %q refused as required", err, tt.value)
			}
		})
	}
	if _, err := framework.DecodeParams(keyed{}, map[string]any{"key": "k"}); err != nil {
		t.Errorf("given: %v", err)
	}
}
