package framework

import (
	"errors"
	"strings"
	"testing"
)

// TestParamsSpecListSaysHow checks that a list field, the first param a
// newcomer reaches for, is refused with what to declare instead, and
// that other unsupported types keep the plain refusal.
func TestParamsSpecListSaysHow(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params any
		want   string
		advice bool
	}{
		{"slice of strings", &struct {
			Paths []string `json:"paths"`
		}{}, "field Paths: unsupported type []string", true},
		{"array of ints", &struct {
			Ports [2]int `json:"ports"`
		}{}, "field Ports: unsupported type [2]int", true},
		{"map", &struct {
			Headers map[string]string `json:"headers"`
		}{}, "field Headers: unsupported type map[string]string (want string, bool, an integer or time.Duration)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParamsSpec(tc.params)
			if err == nil || !errors.Is(err, ErrParamsSpec) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParamsSpec = %v, want ErrParamsSpec containing %q", err, tc.want)
			}
			advice := strings.Contains(err.Error(), "declare a string holding the items separated by commas")
			if advice != tc.advice {
				t.Errorf("ParamsSpec = %v: advice on a list %v, want %v", err, advice, tc.advice)
			}
		})
	}
}
