package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// manifestedBare is bare with a manifest listing the params of its struct.
type manifestedBare struct{ bare }

func (m manifestedBare) Manifest() framework.Manifest {
	return framework.Manifest{Name: "bare", Params: framework.MustParamsSpec(m.NewParams())}
}

// `injectors` shows the params of an injector with a ParamsFactory and no
// Manifester, as run knows them: the same names, types and defaults as
// the same injector with a manifest listing its struct's params.
func TestInjectorsShowsParamsOfFactoryWithoutManifest(t *testing.T) {
	bareReg := withFake("bare", bare{})
	twinReg := withFake("bare", manifestedBare{})
	for _, args := range [][]string{{"injectors", "bare"}, {"injectors", "bare", "-o", "json"}, {"injectors"}, {"injectors", "-o", "json"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			got, want := run(t, bareReg, nil, args...), run(t, twinReg, nil, args...)
			if got.code != 0 || want.code != 0 {
				t.Fatalf("exit %d and %d: %s %s", got.code, want.code, got.stderr, want.stderr)
			}
			if !strings.Contains(want.stdout, "wait") {
				t.Fatalf("the twin's output does not list its params:\n%s", want.stdout)
			}
			if got.stdout != want.stdout {
				t.Errorf("without a manifest:\n%s\nwith one:\n%s", got.stdout, want.stdout)
			}
		})
	}
}

type rangedParams struct {
	TTL    uint8  `json:"ttl"`
	Delta  int8   `json:"delta"`
	Window uint16 `json:"window"`
	Port   int    `json:"port"`
}

type ranged struct{ bare }

func (ranged) NewParams() any { return &rangedParams{} }

// `injectors NAME` shows the range of an int param whose Go type is
// narrower than int64, the one run refuses a value out of; an int param
// without such a limit shows none.
func TestInjectorsShowsTheRangeRunEnforces(t *testing.T) {
	reg := withFake("ranged", ranged{})
	shown := run(t, reg, nil, "injectors", "ranged")
	if shown.code != 0 {
		t.Fatalf("injectors: exit %d: %s", shown.code, shown.stderr)
	}
	for _, name := range []string{"ttl", "delta", "window"} {
		t.Run(name, func(t *testing.T) {
			r := run(t, reg, nil, "validate", "ranged", "--target", "127.0.0.1", "--param", name+"=70000")
			_, enforced, ok := strings.Cut(r.stderr, "must be between ")
			enforced, _, _ = strings.Cut(enforced, "\n")
			lo, hi, _ := strings.Cut(enforced, " and ")
			if r.code != 2 || !ok {
				t.Fatalf("validate: exit %d, want 2 naming the range:\n%s", r.code, r.stderr)
			}
			if want := name + " <int from " + lo + " to " + hi + ">"; !strings.Contains(shown.stdout, want) {
				t.Errorf("injectors does not show %q:\n%s", want, shown.stdout)
			}
		})
	}
	if !strings.Contains(shown.stdout, "port <int>,") {
		t.Errorf("injectors shows a range for an int:\n%s", shown.stdout)
	}
}

// `injectors NAME -o json` leaves "default" out for a required param
// without one (a string, an enum), as the text output shows none; a param
// that is not required keeps it.
func TestInjectorsJSONRequiredParamHasNoDefault(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("keyed", func() framework.Executor { return keyed{} })
		r.Register("moded", func() framework.Executor { return moded{} })
	})
	tests := []struct {
		injector, param string
		hasDefault      bool
	}{
		{"keyed", "key", false},
		{"moded", "mode", false},
		{"noop", "outcome", true},
	}
	for _, tt := range tests {
		t.Run(tt.injector, func(t *testing.T) {
			r := run(t, reg, nil, "injectors", tt.injector, "-o", "json")
			var one struct{ Params []map[string]any }
			if err := json.Unmarshal([]byte(r.stdout), &one); err != nil || r.code != 0 {
				t.Fatalf("exit %d, %v:\n%s%s", r.code, err, r.stdout, r.stderr)
			}
			for _, p := range one.Params {
				if p["name"] != tt.param {
					continue
				}
				if d, ok := p["default"]; ok != tt.hasDefault {
					t.Errorf("param %v: default %v (present %v), want present %v", p["name"], d, ok, tt.hasDefault)
				}
				return
			}
			t.Fatalf("no param %q in %s", tt.param, r.stdout)
		})
	}
}
