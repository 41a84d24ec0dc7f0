package framework_test

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// wholeParams has the two integer fields wider than a float64's 53 bits.
type wholeParams struct {
	N int64  `json:"n"`
	U uint64 `json:"u"`
}

// A whole number of an int param is taken at its value, exact, however it
// is written (22, 22.0, 2.2e1) and whichever intake reads it, --param
// (ParseParam) or an inject file (DecodeParams), both taking or both
// refusing it: never rounded to a float64's 53 bits (9007199254740993.0
// was 9007199254740992), and a uint64 past int64's range is in its range
// for --param as for an inject file (--param u=10000000000000000000 was
// refused as not "between 0 and 18446744073709551615").
func TestWholeParamsExactByEveryIntake(t *testing.T) {
	ex := withParams[wholeParams]{}
	m := framework.Manifest{Params: framework.MustParamsSpec(ex.NewParams())}
	for _, tt := range []struct {
		key, text string
		refused   string // the reason of both refusals, "" when taken
	}{
		{"n", "9007199254740993", ""},
		{"n", "9007199254740993.0", ""},
		{"n", "9.007199254740993e15", ""},
		{"n", "90071992547409930e-1", ""},
		{"n", "9223372036854775807", ""},
		{"n", "9.223372036854775807e18", ""},
		{"n", "-9.223372036854775808e18", ""},
		{"n", "9223372036854775808", "must be between -9223372036854775808 and 9223372036854775807"},
		{"n", "9.223372036854775808e18", "must be between -9223372036854775808 and 9223372036854775807"},
		{"u", "10000000000000000000", ""},
		{"u", "1e19", ""},
		{"u", "18446744073709551615", ""},
		{"u", "1.8446744073709551615e19", ""},
		{"u", "18446744073709551616", "must be between 0 and 18446744073709551615"},
		{"u", "-1", "must be between 0 and 18446744073709551615"},
		{"u", "1e400", "must be between 0 and 18446744073709551615"},
		{"u", "0e9", ""},
	} {
		t.Run(tt.key+"="+tt.text, func(t *testing.T) {
			var file map[string]any
			dec := json.NewDecoder(strings.NewReader(`{"` + tt.key + `":` + tt.text + `}`))
			dec.UseNumber()
			if err := dec.Decode(&file); err != nil {
				t.Fatal(err)
			}
			fromFile, fileErr := framework.DecodeParams(ex, file)
			var fromFlag any
			v, flagErr := m.ParseParam(tt.key, tt.text)
			if flagErr == nil {
				fromFlag, flagErr = framework.DecodeParams(ex, map[string]any{tt.key: v})
			}
			if tt.refused != "" {
				for name, err := range map[string]error{"inject file": fileErr, "--param": flagErr} {
					if err == nil || !strings.Contains(err.Error(), tt.refused) {
						t.Errorf("%s: %v, want it refused: %s", name, err, tt.refused)
					}
				}
				return
			}
			if fileErr != nil || flagErr != nil {
				t.Fatalf("inject file: %v; --param: %v; want both to take it", fileErr, flagErr)
			}
			exact, _ := new(big.Rat).SetString(tt.text)
			for name, got := range map[string]any{"inject file": fromFile, "--param": fromFlag} {
				field := reflect.ValueOf(got).Elem().FieldByName(strings.ToUpper(tt.key))
				if g := fmt.Sprint(field.Interface()); g != exact.Num().String() {
					t.Errorf("%s: %s=%s gives %s, want %s", name, tt.key, tt.text, g, exact.Num())
				}
			}
		})
	}
}
