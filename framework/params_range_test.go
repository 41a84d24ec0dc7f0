package framework_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type sizedParams struct {
	Port  int    `json:"port"`
	TTL   uint8  `json:"ttl"`
	Delta int8   `json:"delta"`
	Count uint32 `json:"count"`
}

// sized decodes its params into sizedParams.
type sized = withParams[sizedParams]

// A whole number out of its field's range is refused naming the param, the
// value as given and the range; a fraction is not a whole number.
func TestDecodeParamsOutOfRange(t *testing.T) {
	tests := []struct {
		key, value string // value: a JSON number, as a params file gives it
		reason     string
	}{
		{"port", "99999999999999999999", "out of range: want a whole number from -9223372036854775808 to 9223372036854775807"},
		{"ttl", "300", "out of range: want a whole number from 0 to 255"},
		{"ttl", "-1", "out of range: want a whole number from 0 to 255"},
		{"delta", "300", "out of range: want a whole number from -128 to 127"},
		{"count", "4294967296", "out of range: want a whole number from 0 to 4294967295"},
		{"ttl", "1.5", "wrong JSON type, want a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := framework.DecodeParams(sized{}, map[string]any{tt.key: json.Number(tt.value)})
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != "params."+tt.key || ve.Value != tt.value || ve.Reason != tt.reason {
				t.Fatalf("err = %#v, want params.%s %q: %s", err, tt.key, tt.value, tt.reason)
			}
		})
	}
}

// ParseParam refuses an int beyond an int's range as out of range, not as
// "not an integer".
func TestParseParamOutOfRange(t *testing.T) {
	m := &framework.Manifest{Params: []framework.Param{{Name: "port", Type: framework.ParamInt}}}
	_, err := framework.ParseParam(m, "port", "99999999999999999999")
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Value != "99999999999999999999" ||
		ve.Reason != "out of range: want a whole number from -9223372036854775808 to 9223372036854775807" {
		t.Fatalf("err = %v", err)
	}
}

// --param (ParseParam) and an inject file's "params" (DecodeParams) take
// the same spellings of an int and a bool: ParseParam's value, given to
// DecodeParams, decodes to what the inject file's JSON does, and either
// refuses what the other refuses.
func TestParamSpellingsAgree(t *testing.T) {
	m := scanner{}.Manifest()
	for _, tt := range []struct{ key, text string }{
		{"port", "22"}, {"port", "22.0"}, {"port", "2.2e1"}, {"port", "-1"}, {"port", "22.5"}, {"port", "+22"},
		{"port", "022"}, {"port", "1e30"}, {"port", "99999999999999999999"}, {"port", "0x16"},
		{"verbose", "true"}, {"verbose", "false"}, {"verbose", "1"}, {"verbose", "0"}, {"verbose", "TRUE"},
		{"verbose", "True"}, {"verbose", "t"},
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
			v, flagErr := framework.ParseParam(&m, tt.key, tt.text)
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
			if want := "from " + p.Min + " to " + p.Max; p.Min == "" || !strings.HasSuffix(ve.Reason, want) {
				t.Errorf("ParamsSpec gives %q to %q, the decoder refuses with %q", p.Min, p.Max, ve.Reason)
			}
		})
	}
}
