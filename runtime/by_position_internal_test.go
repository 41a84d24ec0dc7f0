package runtime

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// byPosition lays out what an executor keyed by target (the reasons of
// the targets it did not reach, their extras: one helper for both) by
// position, a target given as a pointer found by its value, nil when no
// target is keyed; the keys naming no target come back sorted, as
// Target.String names them.
func TestByPosition(t *testing.T) {
	a := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}
	b := framework.Target{Config: &signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}, Attribution: signatures.Attribution{Asset: "asset-b"}}
	z := framework.Target{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.9"}}
	y := framework.Target{Config: signatures.NetworkConfig{TargetHostname: "made-up.invalid"}}
	targets := []framework.Target{a, b, a}
	reasons := []struct {
		name      string
		m         map[framework.Target]string
		want      []string
		wantStray []string
	}{
		{"none", nil, nil, nil},
		{"one, a pointer target found by value", map[framework.Target]string{b.ExtrasKey(): "gone"}, []string{"", "gone", ""}, nil},
		{"every position of a target", map[framework.Target]string{a: "no route"}, []string{"no route", "", "no route"}, nil},
		{"strays alone", map[framework.Target]string{z: "x", y: "y"}, nil, []string{y.String(), z.String()}},
		{"found and strays", map[framework.Target]string{a: "x", z: "z"}, []string{"x", "", "x"}, []string{z.String()}},
	}
	for _, tt := range reasons {
		t.Run("reasons/"+tt.name, func(t *testing.T) {
			got, stray := byPosition(tt.m, targets)
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(stray, tt.wantStray) {
				t.Errorf("got %q, stray %q; want %q, stray %q", got, stray, tt.want, tt.wantStray)
			}
		})
	}
	ex := framework.TypeExtras{signatures.Detection: {"ports": "22"}}
	extras := []struct {
		name      string
		m         map[framework.Target]framework.TypeExtras
		want      []framework.TypeExtras
		wantStray []string
	}{
		{"none", map[framework.Target]framework.TypeExtras{}, nil, nil},
		{"one", map[framework.Target]framework.TypeExtras{b.ExtrasKey(): ex}, []framework.TypeExtras{nil, ex, nil}, nil},
		{"a stray", map[framework.Target]framework.TypeExtras{a: ex, z: ex}, []framework.TypeExtras{ex, nil, ex}, []string{z.String()}},
	}
	for _, tt := range extras {
		t.Run("extras/"+tt.name, func(t *testing.T) {
			got, stray := byPosition(tt.m, targets)
			if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(stray, tt.wantStray) {
				t.Errorf("got %v, stray %q; want %v, stray %q", got, stray, tt.want, tt.wantStray)
			}
		})
	}
}
