package framework_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
)

// A required enum param has no default: NewParams may leave it empty, and
// its spec says so; an optional one must default to one of its values.
func TestParamsSpecRequiredEnumWithoutDefault(t *testing.T) {
	tests := []struct {
		name    string
		v       any
		wantErr string // "" when described
	}{
		{"required, empty", &struct {
			Mode string `json:"mode" param:"enum=a|b,required"`
		}{}, ""},
		{"required first, empty", &struct {
			Mode string `json:"mode" param:"required,enum=a|b"`
		}{}, ""},
		{"required, a default", &struct {
			Mode string `json:"mode" param:"enum=a|b,required"`
		}{Mode: "b"}, `param mode: required and a default of "b": a required param takes no default`},
		{"optional, empty", &struct {
			Mode string `json:"mode" param:"enum=a|b"`
		}{}, `default "" is not one of a, b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := framework.ParamsSpec(tt.v)
			if tt.wantErr != "" {
				if !errors.Is(err, framework.ErrParamsSpec) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParamsSpec = %v, want ErrParamsSpec saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParamsSpec: %v", err)
			}
			p := spec[0]
			if p.Type != framework.ParamEnum || !p.Required || strings.Join(p.Enum, "|") != "a|b" {
				t.Errorf("param %+v, want a required enum of a|b", p)
			}
		})
	}
}

// A required param takes no default: NewParams leaves it at its zero
// value. Tester t148 (h224): Port: 80 under param:"required" was shown
// "default 80, required" by `injectors`, refused as missing by run, and
// pre-filled (so sent unchosen) on the platform's form.
func TestParamsSpecRequiredTakesNoDefault(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string // "" when described
	}{
		{"int", &struct {
			Port int `json:"port" param:"required"`
		}{Port: 80}, "field Port: param port: required and a default of 80: a required param takes no default " +
			"(drop `required`, or leave the field zero in NewParams)"},
		{"int in its range", &struct {
			Port uint16 `json:"port" param:"required,min=1"`
		}{Port: 443}, "param port: required and a default of 443"},
		{"string", &struct {
			Token string `json:"token" param:"required"`
		}{Token: "tok"}, `param token: required and a default of "tok"`},
		{"bool", &struct {
			On bool `json:"on" param:"required"`
		}{On: true}, "param on: required and a default of true"},
		{"duration", &struct {
			Wait time.Duration `json:"wait" param:"required"`
		}{Wait: time.Second}, "param wait: required and a default of 1s"},
		{"zero values: no default", &struct {
			Port  int           `json:"port" param:"required,min=1"`
			Token string        `json:"token" param:"required"`
			On    bool          `json:"on" param:"required"`
			Wait  time.Duration `json:"wait" param:"required"`
		}{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, err := framework.ParamsSpec(tt.v)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ParamsSpec: %v", err)
				}
				for _, p := range spec {
					if !p.Required || p.Default != "" {
						t.Errorf("param %+v, want required without a default", p)
					}
				}
				return
			}
			if !errors.Is(err, framework.ErrParamsSpec) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParamsSpec = %v, want ErrParamsSpec saying %q", err, tt.want)
			}
		})
	}
}

// A required param's example is its Example; a required param left at its
// zero value has no default.
func TestParamsSpecRequiredExample(t *testing.T) {
	spec, err := framework.ParamsSpec(&struct {
		Port int `json:"port" param:"required,example=443"`
		Wait int `json:"wait" param:"required"`
	}{})
	if err != nil {
		t.Fatal(err)
	}
	if spec[0].Example != "443" || spec[0].Default != "" || spec[1].Example != "" || spec[1].Default != "" {
		t.Errorf("spec %+v, want port's example 443 and no default", spec)
	}
}
