package framework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type sizedParams struct {
	Port  int    `json:"port"`
	TTL   uint8  `json:"ttl"`
	Delta int8   `json:"delta"`
	Count uint32 `json:"count"`
	// Level's range is its tag's.
	Level int   `json:"level" param:"min=0,max=5"`
	Small uint8 `json:"small" param:"max=100"` // from 0, its type's
}

// sized decodes its params into sizedParams.
type sized = withParams[sizedParams]

// notInteger is the refusal of a number that is not whole for an int
// param, by every intake.
const notInteger = "not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)"

// A whole number out of its field's range is refused naming the param, the
// value as given and the range; a fraction is not an integer, in the same
// words from an inject file as from --param.
func TestDecodeParamsOutOfRange(t *testing.T) {
	tests := []struct {
		key, value string // value: a JSON number, as a params file gives it
		reason     string
	}{
		{"port", "99999999999999999999", "must be between -9223372036854775808 and 9223372036854775807"},
		{"ttl", "300", "must be between 0 and 255"},
		{"ttl", "-1", "must be between 0 and 255"},
		{"delta", "300", "must be between -128 and 127"},
		{"count", "4294967296", "must be between 0 and 4294967295"},
		{"ttl", "1e300", "must be between 0 and 255"},
		{"port", "1e300", "must be between -9223372036854775808 and 9223372036854775807"},
		{"port", "-1e300", "must be between -9223372036854775808 and 9223372036854775807"},
		{"level", "6", "must be between 0 and 5"},
		{"level", "-1", "must be between 0 and 5"},
		{"level", "1e20", "must be between 0 and 5"},
		{"level", "1e300", "must be between 0 and 5"},
		{"level", "-1e300", "must be between 0 and 5"},
		{"level", "99999999999999999999", "must be between 0 and 5"},
		{"small", "-1", "must be between 0 and 100"},
		{"small", "101", "must be between 0 and 100"},
		{"small", "256", "must be between 0 and 100"},
		{"small", "1e300", "must be between 0 and 100"},
		// Not whole: the words --param and a platform message use (tester t107).
		{"ttl", "1.5", notInteger},
		{"level", "1.5", notInteger},
		{"port", "3.5e0", notInteger},
		// Whole however written, past float64's range too: the same words
		// as --param's (TestParseParamOutOfRange).
		{"ttl", "3e2", "must be between 0 and 255"},
		{"port", "1e300", "must be between -9223372036854775808 and 9223372036854775807"},
		{"port", "1e400", "must be between -9223372036854775808 and 9223372036854775807"},
		{"port", "-1.5e400", "must be between -9223372036854775808 and 9223372036854775807"},
	}
	m := framework.Manifest{Params: framework.MustParamsSpec(sized{}.NewParams())}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := framework.DecodeParams(sized{}, map[string]any{tt.key: json.Number(tt.value)})
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Value != tt.value || ve.Reason != tt.reason {
				t.Fatalf("inject file: err = %#v, want params.%s %q: %s", err, tt.key, tt.value, tt.reason)
			}
			// --param: the same reason, said by ParseParam or, past it,
			// by DecodeParams (the ranges of types narrower than int).
			v, err := m.ParseParam(tt.key, tt.value)
			if err == nil {
				_, err = framework.DecodeParams(sized{}, map[string]any{tt.key: v})
			}
			if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Value != tt.value && ve.Value != fmt.Sprint(v) || ve.Reason != tt.reason {
				t.Fatalf("--param: err = %#v, want params.%s %q: %s", err, tt.key, tt.value, tt.reason)
			}
		})
	}
}

// ParseParam refuses an int beyond an int's range as out of range, not as
// "not an integer", and a duration past float64's range as too long, as
// DecodeParams refuses the same numbers of an inject file.
func TestParseParamOutOfRange(t *testing.T) {
	m := &framework.Manifest{Params: []framework.Param{{Name: "port", Type: framework.ParamInt},
		{Name: "wait", Type: framework.ParamDuration}}}
	const intRange = "must be between -9223372036854775808 and 9223372036854775807"
	for _, tt := range []struct{ key, value, reason string }{
		{"port", "99999999999999999999", intRange},
		{"port", "1e300", intRange},
		{"port", "1e400", intRange},
		{"port", "-1e400", intRange},
		{"wait", "1e400", "too long: at most 2562047h (292 years)"},
		{"wait", "-1e400", "negative duration"},
	} {
		_, err := m.ParseParam(tt.key, tt.value)
		var ve *signatures.ValidationError
		if !errors.As(err, &ve) || ve.Value != tt.value || ve.Reason != tt.reason {
			t.Errorf("%s=%s: err = %v, want %s", tt.key, tt.value, err, tt.reason)
		}
	}
}

// An executor without ParamsFactory is handed numbers as float64: a param
// past float64's range is refused, in words naming no Go type, whether the
// number is the param's value or in it at any depth (reviewer r18: one in
// a list or an object was handed on as a json.Number), the param named
// with its value as written.
func TestDecodeParamsUntypedPastFloat64(t *testing.T) {
	for _, tt := range []struct {
		name             string
		raw              map[string]any
		wantKey, wantVal string
	}{
		{"the param's value", map[string]any{"a": json.Number("1"), "n": json.Number("-1e400")}, "params.n", "-1e400"},
		{"in a list", map[string]any{"a": json.Number("1"), "x": []any{json.Number("2"), json.Number("1e400")}}, "params.x", "[2,1e400]"},
		{"in an object", map[string]any{"m": map[string]any{"y": json.Number("-1e400")}}, "params.m", `{"y":-1e400}`},
		{"deeper", map[string]any{"m": map[string]any{"l": []any{map[string]any{"z": json.Number("1e999")}}}}, "params.m", `{"l":[{"z":1e999}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := framework.DecodeParams(untyped{}, tt.raw)
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantKey || ve.Value != tt.wantVal || ve.Reason != framework.ReasonNumberRange ||
				strings.Contains(ve.Reason, "float") {
				t.Fatalf("DecodeParams = %#v, %#v; want %s %q: %s", p, err, tt.wantKey, tt.wantVal, framework.ReasonNumberRange)
			}
		})
	}
}

// untyped is an executor without ParamsFactory: it is handed its params
// as a map.
type untyped struct{}

func (untyped) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// --param (ParseParam) and an inject file's "params" (DecodeParams) take
// the same spellings of an int and a bool: ParseParam's value, given to
// DecodeParams, decodes to what the inject file's JSON does, and either
// refuses what the other refuses. A bool's text forms that no JSON value
// writes (TRUE, True, t: TestParseParam) are --param's alone.
func TestParamSpellingsAgree(t *testing.T) {
	m := scanner{}.Manifest()
	for _, tt := range []struct{ key, text string }{
		{"port", "22"}, {"port", "22.0"}, {"port", "2.2e1"}, {"port", "-1"}, {"port", "22.5"}, {"port", "+22"},
		{"port", "022"}, {"port", "1e30"}, {"port", "99999999999999999999"}, {"port", "0x16"},
		// Not whole, though float64 rounds them to one: 22 would run.
		{"port", "21.9999999999999999"}, {"port", "22.0000000000000001"}, {"port", "2.19999999999999999e1"},
		{"verbose", "true"}, {"verbose", "false"}, {"verbose", "1"}, {"verbose", "0"}, {"verbose", "2"},
		{"verbose", "1.0"}, {"port", "010"}, {"port", "-022"},
	} {
		t.Run(tt.key+"="+tt.text, func(t *testing.T) {
			// The inject file's value, as a request decodes it.
			var file map[string]any
			dec := json.NewDecoder(strings.NewReader(`{"token":"t","` + tt.key + `":` + tt.text + `}`))
			dec.UseNumber()
			var fromFile any
			fileErr := dec.Decode(&file)
			if fileErr == nil {
				fromFile, fileErr = framework.DecodeParams(scanner{}, file)
			}
			var fromFlag any
			v, flagErr := m.ParseParam(tt.key, tt.text)
			if flagErr == nil {
				fromFlag, flagErr = framework.DecodeParams(scanner{}, map[string]any{"token": "t", tt.key: v})
			}
			if (fileErr == nil) != (flagErr == nil) {
				t.Fatalf("inject file: %v; --param: %v; want both to take it or both to refuse it", fileErr, flagErr)
			}
			if fileErr == nil && !reflect.DeepEqual(fromFile, fromFlag) {
				t.Errorf("inject file gives %+v, --param %+v", fromFile, fromFlag)
			}
		})
	}
}

// ParamsSpec gives an int param of a type narrower than int64 the range
// DecodeParams refuses a value out of (a value past every range shows
// it), and an int none.
func TestParamsSpecRangeIsTheDecodersRange(t *testing.T) {
	spec, err := framework.ParamsSpec(sized{}.NewParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range spec {
		t.Run(p.Name, func(t *testing.T) {
			if p.Name == "port" {
				if p.Min != "" || p.Max != "" {
					t.Errorf("an int has the range %s to %s, want none", p.Min, p.Max)
				}
				return
			}
			_, err := framework.DecodeParams(sized{}, map[string]any{p.Name: json.Number("99999999999999999999")})
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want the value refused", err)
			}
			if want := "between " + p.Min + " and " + p.Max; p.Min == "" || !strings.HasSuffix(ve.Reason, want) {
				t.Errorf("ParamsSpec gives %q to %q, the decoder refuses with %q", p.Min, p.Max, ve.Reason)
			}
		})
	}
}

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

type timedParams struct {
	CallTimeout string `json:"call_timeout"`
	MaxResults  int    `json:"max_results"`
}

// timed is an executor whose params have names of two words.
type timed struct{}

func (timed) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (timed) NewParams() any { return &timedParams{} }
func (t timed) Manifest() framework.Manifest {
	return framework.Manifest{Name: "timed", Params: framework.MustParamsSpec(t.NewParams())}
}

// A param key written in another separator or case style than the
// param's name (kebab, camelCase, dotted, spaced) is refused, as params
// are exact, with the name to write, as a key that differs only by case
// is, whether --param (ParseParam) or an inject file (DecodeParams) gives
// it. A key that folds to no name gets the list of the known ones, and
// the closest of them when one is (fold.Closest).
func TestParamSpellingHint(t *testing.T) {
	for _, tt := range []struct{ key, want string }{
		{"call-timeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"callTimeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"Call.Timeout", "unknown parameter; keys are written exactly, case and separators included: write call_timeout"},
		{"max results", "unknown parameter; keys are written exactly, case and separators included: write max_results"},
		{"CALL_TIMEOUT", "unknown parameter; keys are case-sensitive: write call_timeout"},
		{"calltimeouts", "unknown parameter (known: call_timeout, max_results): did you mean call_timeout?"},
		{"timeout", "unknown parameter (known: call_timeout, max_results)"}, // nothing close: the list alone
	} {
		t.Run(tt.key, func(t *testing.T) {
			m := timed{}.Manifest()
			_, perr := m.ParseParam(tt.key, "5s")
			_, derr := framework.DecodeParams(timed{}, map[string]any{tt.key: "5s"})
			for how, err := range map[string]error{"ParseParam": perr, "DecodeParams": derr} {
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Reason != tt.want {
					t.Errorf("%s: %v, want params.%s: %s", how, err, tt.key, tt.want)
				}
			}
		})
	}
	// The key stays exact: the right name still decodes.
	p, err := framework.DecodeParams(timed{}, map[string]any{"call_timeout": "5s"})
	if err != nil || p.(*timedParams).CallTimeout != "5s" {
		t.Errorf("call_timeout: %v, %+v", err, p)
	}
}

// pauseParams has a duration param of each kind: one whose default is 0
// (none), one with a default of its own, one required.
type pauseParams struct {
	Delay time.Duration `json:"delay"`
	Wait  time.Duration `json:"wait"`
	Need  time.Duration `json:"need" param:"required"`
}

type pauser struct{}

func (pauser) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (pauser) NewParams() any { return &pauseParams{Wait: 30 * time.Second} }

// A duration param that rounds to 0s is told what to write instead by
// what 0 does to it, on the command line (ParseParam) as in an inject
// (DecodeParams): "write 0 for none" only where 0 is its default, "leave
// the param out for the default" where it has another, nothing more for a
// required one.
func TestParamRoundsToZeroAdvice(t *testing.T) {
	m := &framework.Manifest{Name: "pauser", Params: framework.MustParamsSpec(pauser{}.NewParams())}
	const rounds = "rounds to 0s: the shortest duration is 1ns"
	tests := []struct{ key, want string }{
		{"delay", rounds + " (write 0 for none)"},
		{"wait", rounds + " (leave the param out for the default)"},
		{"need", rounds},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, perr := m.ParseParam(tt.key, "1e-10")
			raw := map[string]any{"need": "1s", tt.key: 1e-10}
			_, derr := framework.DecodeParams(pauser{}, raw)
			for name, err := range map[string]error{"ParseParam": perr, "DecodeParams": derr} {
				var ve *signatures.ValidationError
				if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Reason != tt.want {
					t.Errorf("%s: %v, want params.%s refused: %s", name, err, tt.key, tt.want)
				}
			}
		})
	}
}
