package framework_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
)

// TestParamsSpecTagKeys refuses a params field's tag that reflect would
// not read as its author meant.
func TestParamsSpecTagKeys(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		// Tester t148: a misspelt or malformed tag was never read, and
		// the param silently lost its options (not required, no enum).
		{"tag key params", &struct {
			S string `json:"s" params:"required"`
		}{}, `field S: tag key "params" is read by nothing: did you mean param:"…"?`},
		{"tag key Param", &struct {
			S string `json:"s" Param:"enum=a|b"`
		}{}, `field S: tag key "Param" is read by nothing: did you mean param:"…"?`},
		{"tag key parm", &struct {
			S string `json:"s" parm:"required"`
		}{}, `did you mean param:"…"?`},
		{"tag key pram", &struct {
			S string `json:"s" pram:"required"`
		}{}, `did you mean param:"…"?`},
		// A transposition is one slip, as the command line counts it
		// (fold.Distance): parma and dco were read by nothing, unsaid.
		{"tag key parma", &struct {
			S string `json:"s" parma:"required"`
		}{}, `field S: tag key "parma" is read by nothing: did you mean param:"…"?`},
		{"tag key dco", &struct {
			S string `json:"s" dco:"what to say"`
		}{}, `field S: tag key "dco" is read by nothing: did you mean doc:"…"?`},
		{"tag key docs", &struct {
			S string `json:"s" docs:"what to say"`
		}{}, `field S: tag key "docs" is read by nothing: did you mean doc:"…"?`},
		{"option as a key", &struct {
			S string `json:"s" required:"true"`
		}{}, `field S: tag key "required" is read by nothing: write param:"required"`},
		{"default tag NewParams does not set", &struct {
			N int `json:"n" default:"80"`
		}{}, `field N: tag default:"80" is not the default, which is the value NewParams sets ("0" here): set the field there`},
		// (go vet refuses such a tag in source; go test does not vet it.)
		{"space after the colon", reflect.New(reflect.StructOf([]reflect.StructField{{Name: "S",
			Type: reflect.TypeFor[string](), Tag: `json:"s" param: "required"`}})).Interface(),
			"field S: struct tag `json:\"s\" param: \"required\"` is malformed at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := framework.ParamsSpec(tt.v)
			if !errors.Is(err, framework.ErrParamsSpec) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParamsSpec = %v, want ErrParamsSpec saying %q", err, tt.want)
			}
		})
	}
	// Other keys (yaml, koanf), well-formed param and doc tags, and a
	// default tag NewParams agrees with (a library such as creasty/defaults
	// reading it there) pass.
	if _, err := framework.ParamsSpec(&struct {
		S string        `json:"s" yaml:"s" koanf:"s" param:"required" doc:"d"`
		N int           `json:"n" default:"80"`
		D time.Duration `json:"d" default:"90"`
	}{N: 80, D: 90 * time.Second}); err != nil {
		t.Errorf("ParamsSpec = %v, want no error", err)
	}
}
