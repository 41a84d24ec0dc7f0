package framework_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Common are fields embedded in scanParams, flattened like encoding/json
// does.
type Common struct {
	Verbose bool `json:"verbose" doc:"log more"`
}

type scanParams struct {
	Common
	Mode    string        `json:"mode" param:"enum=fast|slow" doc:"how to scan, fast or slow"`
	Port    int           `json:"port" doc:"port to probe, 1-65535"`
	Retries uint8         `json:"retries"`
	Wait    time.Duration `json:"wait" doc:"pause between probes"`
	Token   string        `json:"token" param:"required" doc:"API token"`
	Name    string        `json:"name"`
	Skipped string        `json:"-"`
	hidden  string        // an unexported field is no param
}

// timeout and count are types of their own on time.Duration and int64,
// which reflect cannot tell apart.
type (
	timeout time.Duration
	count   int64
)

func defaultScan() *scanParams {
	return &scanParams{Mode: "fast", Port: 8080, Retries: 2, Wait: 1500 * time.Millisecond, hidden: "x"}
}

func TestParamsSpec(t *testing.T) {
	got, err := framework.ParamsSpec(defaultScan())
	if err != nil {
		t.Fatal(err)
	}
	want := []framework.Param{
		{Name: "verbose", Type: framework.ParamBool, Default: "false", Doc: "log more"},
		{Name: "mode", Type: framework.ParamEnum, Default: "fast", Enum: []string{"fast", "slow"}, Doc: "how to scan, fast or slow"},
		{Name: "port", Type: framework.ParamInt, Default: "8080", Doc: "port to probe, 1-65535"},
		{Name: "retries", Type: framework.ParamInt, Default: "2", Min: "0", Max: "255"},
		{Name: "wait", Type: framework.ParamDuration, Default: "1.5s", Doc: "pause between probes (" + framework.DurationDoc + ")"},
		{Name: "token", Type: framework.ParamString, Required: true, Doc: "API token"},
		{Name: "name", Type: framework.ParamString},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParamsSpec =\n%+v\nwant\n%+v", got, want)
	}
	// A struct value is described like a pointer to it.
	if byValue, err := framework.ParamsSpec(*defaultScan()); err != nil || !reflect.DeepEqual(byValue, got) {
		t.Errorf("ParamsSpec(value) = %+v, %v", byValue, err)
	}
}

func TestParamsSpecErrors(t *testing.T) {
	var nilParams *scanParams
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil pointer", nilParams, "nil"},
		{"not a struct", map[string]any{}, "not a struct"},
		{"slice field", &struct {
			Ports []int `json:"ports"`
		}{}, "unsupported type []int"},
		{"self-decoding type", &struct {
			When time.Time `json:"when"`
		}{}, "decodes itself"},
		{"enum on an int", &struct {
			N int `json:"n" param:"enum=1|2"`
		}{}, "not a string"},
		{"empty enum value", &struct {
			S string `json:"s" param:"enum=a||b"`
		}{S: "a"}, "empty or repeated"},
		{"default outside the enum", &struct {
			S string `json:"s" param:"enum=a|b"`
		}{S: "c"}, `default "c" is not one of a, b`},
		{"unknown option", &struct {
			S string `json:"s" param:"requird"`
		}{}, `unknown param tag option "requird"`},
		{"min on a string", &struct {
			S string `json:"s" param:"min=1"`
		}{}, "field S: min= on a field that is not an integer"},
		{"max on a duration", &struct {
			D time.Duration `json:"d" param:"max=10"`
		}{D: 1}, "field D: max= on a field that is not an integer: a duration takes no range; check it in the params' Validate, and say it in the doc tag"},
		{"min not a number", &struct {
			N int `json:"n" param:"min=one"`
		}{N: 1}, "field N: min=one is not a whole number"},
		{"min above max", &struct {
			N int `json:"n" param:"min=5,max=1"`
		}{N: 3}, "field N: min=5 is greater than max=1"},
		{"max past the type", &struct {
			N uint8 `json:"n" param:"max=300"`
		}{N: 3}, "field N: max=300 is out of uint8's range (0 to 255)"},
		{"min below an unsigned type", &struct {
			N uint `json:"n" param:"min=-1"`
		}{N: 3}, "field N: min=-1 is out of uint's range"},
		{"default out of the range", &struct {
			N int `json:"n" param:"min=1,max=5"`
		}{N: 6}, "field N: param n: default 6 is out of its range (1 to 5): set a default within it in NewParams, or change the tag's min= or max="},
		{"example not of the param's type", &struct {
			N int `json:"n" param:"required,example=many"`
		}{}, `field N: example: invalid params.n "many"`},
		{"example outside the enum", &struct {
			S string `json:"s" param:"required,enum=a|b,example=c"`
		}{}, `field S: example: invalid params.s "c"`},
		// Tester t148: an example out of the tag's range passed, and the
		// CLI help's example (--param port=80800) then exited 2.
		{"example out of the range", &struct {
			N int `json:"n" param:"required,min=1,max=5,example=9"`
		}{}, `field N: example: invalid params.n "9": must be between 1 and 5`},
		{"example out of the type's range", &struct {
			N uint8 `json:"n" param:"required,example=300"`
		}{}, `field N: example: invalid params.n "300": must be between 0 and 255`},
		// Tester t148: a negative duration default passed, shown by
		// injectors (default -1s) and pre-filled in the platform's form,
		// where --param wait=-1s and the form's value are refused.
		{"negative duration default", &struct {
			D time.Duration `json:"d"`
		}{D: -time.Second}, "field D: default -1s is negative"},
		// Tester t148: enum given twice was refused as "enum on a field
		// that is not a string" (it is one), min and example given twice
		// kept the last without a word.
		{"enum given twice", &struct {
			S string `json:"s" param:"enum=a|b,enum=c"`
		}{S: "a"}, `field S: param tag option enum given twice in "enum=a|b,enum=c": give it once`},
		{"min given twice", &struct {
			N int `json:"n" param:"min=1,min=2"`
		}{N: 3}, `field N: param tag option min given twice`},
		{"example given twice", &struct {
			N int `json:"n" param:"required,example=1,example=2"`
		}{}, `field N: param tag option example given twice`},
		{"duplicate name", &struct {
			Common
			Loud bool `json:"verbose"`
		}{}, `two fields are named "verbose": Common.Verbose and Loud`}, // tester t148: it named neither
		{"no json tag", &struct {
			NoTag string
		}{}, "field NoTag: no json name (tag it `json:\"no_tag\"`"},
		{"json tag without a name", &struct {
			NoName string `json:",omitempty"`
		}{}, "field NoName: no json name"},
		{"space in the name", &struct {
			S string `json:"has space"`
		}{}, `field S: param name "has space": want lowercase letters, digits and underscores`},
		{"upper case in the name", &struct {
			S string `json:"Port"`
		}{}, `field S: param name "Port"`},
		{"dash in the name", &struct {
			S string `json:"scan-type"`
		}{}, `field S: param name "scan-type"`},
		{"json string option", &struct {
			N int `json:"n,string"`
		}{}, "string option"},
		{"embedded pointer", &struct {
			*Common
		}{}, "embedded pointers"},
		// A type defined on time.Duration is, to reflect, one on int64:
		// taken for an int, --param timeout=30 was 30ns and "30s" refused.
		{"type defined on time.Duration", &struct {
			T timeout `json:"t"`
		}{T: timeout(time.Minute)}, "field T: type framework_test.timeout is defined on int64"},
		{"type defined on int64", &struct {
			N count `json:"n"`
		}{}, "declare the field time.Duration for a duration, int64 for a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := framework.ParamsSpec(tt.v)
			if !errors.Is(err, framework.ErrParamsSpec) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParamsSpec = %v, want ErrParamsSpec saying %q", err, tt.want)
			}
		})
	}
}

func TestMustParamsSpecPanics(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "unsupported type") {
			t.Errorf("recover() = %v, want a panic naming the unsupported type", v)
		}
	}()
	framework.MustParamsSpec(&struct{ F float64 }{})
}

func TestCheckEnums(t *testing.T) {
	tests := []struct {
		name  string
		v     any
		field string // "" when valid
	}{
		{"valid", defaultScan(), ""},
		{"valid value", *defaultScan(), ""},
		{"bad value", &scanParams{Mode: "medium"}, "mode"},
		{"empty value", &scanParams{}, "mode"},
		{"nil", (*scanParams)(nil), ""},
		{"not described", &struct{ F float64 }{}, ""},
		{"not a struct", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := framework.CheckEnums(tt.v)
			var ve *signatures.ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("CheckEnums = %v", err)
			case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field):
				t.Errorf("CheckEnums = %v, want a validation error on %s", err, tt.field)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"30s", 30 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{"90", 90 * time.Second, ""},
		{"2.5", 2500 * time.Millisecond, ""},
		{" 5 ", 5 * time.Second, ""},
		{"0", 0, ""},
		{"0s", 0, ""},
		{"-1", 0, "negative"},
		{"-5s", 0, "negative"},
		{"x", 0, "not a duration"},
		{"", 0, "not a duration"},
		{"5 s", 0, "not a duration"},
		{"NaN", 0, "not a duration"},
		{"Inf", 0, "not a duration"},
		{"1e300", 0, "too long"},
		{"9999999999s", 0, "too long"},
		{"2562048h", 0, "too long"},
		{"1h2562048h", 0, "too long"},
		{"2562047h", 2562047 * time.Hour, ""},
		{"5x", 0, "not a duration"},
		{"h", 0, "not a duration"},
		{".s", 0, "not a duration"},
		// Below float64's smallest value: not 0, though it parses to 0.
		{"1e-300", 0, "rounds to 0s"},
		{"1e-324", 0, "rounds to 0s"},
		{"1e-400", 0, "rounds to 0s"},
		{"1e-99999", 0, "rounds to 0s"},
		{"+0.001e-99999", 0, "rounds to 0s"},
		{"-1e-400", 0, "negative"},
		{"0e-400", 0, ""},
		{"0.000E-99999", 0, ""},
		{"-0", 0, ""},
		// Decimal only, as JSON and the docs write a number: not Go's
		// hex floats nor its digit separators, which ParseFloat reads.
		{"0x1p4", 0, "not a duration"},
		{"0X1P-2", 0, "not a duration"},
		{"0x1p-2000", 0, "not a duration"},
		{"0x0p-2000", 0, "not a duration"},
		{"1_000", 0, "not a duration"},
		{"1_0s", 0, "not a duration"},
		{"+90", 90 * time.Second, ""},
		{".5", 500 * time.Millisecond, ""},
		{"5.", 5 * time.Second, ""},
		{"1E+2", 100 * time.Second, ""},
	}
	for _, tt := range tests {
		got, err := framework.ParseDuration(tt.in)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ParseDuration(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseDuration: any text parses or fails cleanly; a parsed duration is
// never negative, and its Go notation parses back to itself.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"30s", "1m30s", "2.5", "0", "soon", "-5ms", "1e400", "", "0x10", "9223372036"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, err := framework.ParseDuration(in)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", in, d)
		}
		back, err := framework.ParseDuration(d.String())
		if err != nil || back != d {
			t.Fatalf("%q gave %v, whose String %q parses to %v, %v", in, d, d.String(), back, err)
		}
	})
}

func ExampleParamsSpec() {
	type Params struct {
		ScanType string        `json:"scan_type" param:"enum=connect|syn" doc:"how to scan"`
		Timing   int           `json:"timing" doc:"timing template, 0 to 5"`
		Wait     time.Duration `json:"wait" doc:"pause between probes"`
	}
	params, err := framework.ParamsSpec(&Params{ScanType: "connect", Timing: 3, Wait: math.MaxInt8 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	for _, p := range params {
		fmt.Printf("%s (%s) default %q %v: %s\n", p.Name, p.Type, p.Default, p.Enum, p.Doc)
	}
	// Output:
	// scan_type (enum) default "connect" [connect syn]: how to scan
	// timing (int) default "3" []: timing template, 0 to 5
	// wait (duration) default "127ms" []: pause between probes (30s, 1m30s, or a bare number of seconds)
}
