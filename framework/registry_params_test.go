package framework_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// retyped is a scanner whose NewParams returns another type every other
// call: a registry's fields of one type are never used for the other.
type retyped struct {
	scanner
	n *int
}

type otherParams struct {
	Level string `json:"level" param:"enum=low|high"`
}

func (r retyped) NewParams() any {
	*r.n++
	if *r.n%2 == 0 {
		return &otherParams{Level: "low"}
	}
	return r.scanner.NewParams()
}

// A registry decodes an injector's params as DecodeParams does (the same
// value or the same error), its params struct's tags parsed once: a decode
// then allocates less than DecodeParams'.
func TestRegistryDecodeParams(t *testing.T) {
	reg := framework.NewRegistry()
	reg.Register("scanner", func() framework.Executor { return scanner{} })
	reg.Register("mapped", func() framework.Executor { return mapped{} })
	n := 0
	reg.Register("retyped", func() framework.Executor { return retyped{n: &n} })
	for _, tc := range []struct {
		name     string
		injector string
		raw      map[string]any
	}{
		{"defaults but the token", "scanner", map[string]any{"token": "t"}},
		{"every param", "scanner", map[string]any{"token": "t", "mode": "slow", "port": 22, "wait": "2s"}},
		{"required missing", "scanner", map[string]any{"mode": "slow"}},
		{"not an enum value", "scanner", map[string]any{"token": "t", "mode": "quick"}},
		{"unknown param", "scanner", map[string]any{"token": "t", "speed": 1}},
		{"bad duration", "scanner", map[string]any{"token": "t", "wait": "soon"}},
		{"a map", "mapped", map[string]any{"a": 1}},
		{"another type, then the first", "retyped", map[string]any{"token": "t"}},
		{"the first type, then another", "retyped", map[string]any{"level": "high"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for range 2 { // derived, then taken as derived
				ex, err := reg.New(tc.injector)
				if err != nil {
					t.Fatal(err)
				}
				got, gotErr := reg.DecodeParams(tc.injector, ex, tc.raw)
				n-- // the same NewParams type for DecodeParams
				want, wantErr := framework.DecodeParams(ex, tc.raw)
				if !reflect.DeepEqual(got, want) || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("Registry.DecodeParams = %#v, %v; DecodeParams = %#v, %v", got, gotErr, want, wantErr)
				}
			}
		})
	}
	ex, _ := reg.New("scanner")
	raw := map[string]any{"token": "t"}
	derived := testing.AllocsPerRun(20, func() { _, _ = reg.DecodeParams("scanner", ex, raw) })
	parsed := testing.AllocsPerRun(20, func() { _, _ = framework.DecodeParams(ex, raw) })
	if derived >= parsed {
		t.Errorf("Registry.DecodeParams allocates %v a decode, DecodeParams %v: the tags are parsed again", derived, parsed)
	}
}
