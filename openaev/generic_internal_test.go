package openaev

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The one decoding of a value as the platform's processors see it: its
// JSON's first value, numbers kept as written (json.Number), whoever reads
// it (the fit of a finding, a text finding, the findings a rerun leaves
// out, an inject content field). Each case: the Go value, what it decodes
// to, its JSON.
func TestGenericJSON(t *testing.T) {
	for _, c := range [][3]any{
		{uint64(18446744073709551615), json.Number("18446744073709551615"), `18446744073709551615`},
		{[]any{1, "a", nil}, []any{json.Number("1"), "a", nil}, `[1,"a",null]`},
		{map[string]int{"port": 22}, map[string]any{"port": json.Number("22")}, `{"port":22}`},
		{nil, nil, `null`},
	} {
		got, b, err := genericJSON(c[0])
		if err != nil || !reflect.DeepEqual(got, c[1]) || string(b) != c[2] {
			t.Errorf("genericJSON(%v) = %#v, %s, %v; want %#v, %s", c[0], got, b, err, c[1], c[2])
		}
	}
	if _, _, err := genericJSON(make(chan int)); err == nil {
		t.Error("genericJSON of a channel: no error")
	}
	// The first value, as the platform's readValue; nil: malformed.
	for raw, want := range map[string]any{`1.50 trailing`: json.Number("1.50"), `"x"`: "x", `{"a":`: nil} {
		got, err := decodeGeneric([]byte(raw))
		if (err == nil) != (want != nil) || want != nil && !reflect.DeepEqual(got, want) {
			t.Errorf("decodeGeneric(%s) = %#v, %v; want %#v", raw, got, err, want)
		}
	}
}
