package framework_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type orderParams struct {
	Delay time.Duration `json:"delay"`
	Count int           `json:"count"`
}

// Params with several faults are refused on the same one every time, the
// first of their keys in sorted order (as a number out of float64's range
// is): an inject file with two unknown params names the one, not either
// at random as Go's map order falls (found by FuzzDecodeParams).
func TestDecodeParamsNamesOneFaultAlways(t *testing.T) {
	tests := []struct {
		name string
		raw  map[string]any
		want string
	}{
		{"unknown keys", map[string]any{"shape": "round", "colour": "red", "flavour": "mint", "size": "L"}, "params.colour"},
		{"unknown key and bad duration", map[string]any{"zzz": 1, "delay": "soon"}, "params.delay"},
		{"bad duration and unknown key", map[string]any{"aaa": 1, "delay": "soon"}, "params.aaa"},
		{"fraction and unknown key", map[string]any{"count": json.Number("1.5"), "extra": true}, "params.count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 50 {
				_, err := framework.DecodeParams(withParams[orderParams]{}, tt.raw)
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.want {
					t.Fatalf("DecodeParams(%v) = %v, want a refusal of %s", tt.raw, err, tt.want)
				}
			}
		})
	}
}
