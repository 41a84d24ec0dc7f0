package jsontype

import (
	"reflect"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{0, "a whole number"},
		{int64(0), "a whole number"},
		{time.Duration(0), "a whole number"},
		{0.5, "a number"},
		{true, "true or false"},
		{"", "a string"},
		{[]string{}, "a list"},
		{map[string]any{}, "an object"},
		{struct{}{}, "an object"},
		{new(int), "a whole number"},
	}
	for _, tt := range tests {
		if got := Describe(reflect.TypeOf(tt.v)); got != tt.want {
			t.Errorf("Describe(%T) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := Describe(nil); got != "a JSON value" {
		t.Errorf("Describe(nil) = %q", got)
	}
}
