package framework

import (
	"errors"
	"strings"
	"testing"
)

// TestParamsOfSaysWhyAMap checks that params of the wrong type that are a
// map, what an executor with no NewParams is handed (NewParams declared on
// a pointer receiver, a value registered), are refused saying so, and that
// another type keeps the plain refusal.
func TestParamsOfSaysWhyAMap(t *testing.T) {
	type own struct{ N int }
	type other struct{ N int }
	const hint = "the runtime decodes params into a map for an executor with no NewParams method"
	for _, tc := range []struct {
		name   string
		params any
		want   string
		hint   bool
	}{
		{"a map", map[string]any{"n": 1}, "got map[string]interface {}, want *framework.own", true},
		{"another struct", &other{}, "got *framework.other, want *framework.own", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParamsOf[own](&Inject{Params: tc.params})
			if !errors.Is(err, ErrParamsType) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParamsOf = %v, want ErrParamsType naming %q", err, tc.want)
			}
			if got := strings.Contains(err.Error(), hint); got != tc.hint {
				t.Errorf("ParamsOf = %v: says why a map %v, want %v", err, got, tc.hint)
			}
		})
	}
}
