package drift_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/drift"
)

// agreeParams is the NewParams struct of the drift tests: one
// param of each type, a range, a required one.
type agreeParams struct {
	Mode    string        `json:"mode" param:"enum=fast|slow|stealth" doc:"how to scan"`
	Port    int           `json:"port" param:"min=1,max=65535" doc:"port to probe"`
	Verbose bool          `json:"verbose"`
	Wait    time.Duration `json:"wait"`
	Token   string        `json:"token" param:"required"`
	Label   string        `json:"label"`
}

func newAgreeParams() *agreeParams {
	return &agreeParams{Mode: "fast", Port: 8080, Wait: time.Minute, Label: "probe"}
}

// agreeManifest is the params a manifest derived from newAgreeParams
// declares, edited by f: what a hand-written manifest gets wrong.
func agreeManifest(f func(ps []framework.Param) []framework.Param) []framework.Param {
	ps := framework.MustParamsSpec(newAgreeParams())
	if f != nil {
		ps = f(ps)
	}
	return ps
}

// edit returns f as agreeManifest's edit of the param named name.
func edit(name string, f func(*framework.Param)) func([]framework.Param) []framework.Param {
	return func(ps []framework.Param) []framework.Param {
		for i := range ps {
			if ps[i].Name == name {
				f(&ps[i])
			}
		}
		return ps
	}
}

const derive = " (derive Manifest.Params with framework.MustParamsSpec(x.NewParams()))"

func TestParams(t *testing.T) {
	tests := []struct {
		name     string
		manifest []framework.Param
		want     []string // each error, in order; none when they agree
	}{
		{"derived", agreeManifest(nil), nil},
		{"written by hand, in another order", agreeManifest(func(ps []framework.Param) []framework.Param {
			slices.Reverse(ps)
			return ps
		}), nil},
		{"extra param", agreeManifest(func(ps []framework.Param) []framework.Param {
			return append(ps, framework.Param{Name: "retries", Type: framework.ParamInt, Default: "3"})
		}), []string{`manifest param "retries" is not a field of *drift_test.agreeParams`}},
		{"missing param", agreeManifest(func(ps []framework.Param) []framework.Param {
			return slices.DeleteFunc(ps, func(p framework.Param) bool { return p.Name == "label" })
		}), []string{`field "label" of *drift_test.agreeParams is missing from the manifest`}},
		{"type", agreeManifest(edit("wait", func(p *framework.Param) { p.Type, p.Default = framework.ParamInt, "60" })),
			[]string{`param "wait": the manifest says int, *drift_test.agreeParams holds a duration`}},
		{"default", agreeManifest(edit("port", func(p *framework.Param) { p.Default = "80" })),
			[]string{`param "port": the manifest's default is "80", NewParams gives "8080"`}},
		{"default of a string", agreeManifest(edit("label", func(p *framework.Param) { p.Default = "" })),
			[]string{`param "label": the manifest's default is "", NewParams gives "probe"`}},
		{"int default left out", agreeManifest(edit("port", func(p *framework.Param) { p.Default = "" })),
			[]string{`param "port": the manifest's default is "", NewParams gives "8080"`}},
		{"duration default", agreeManifest(edit("wait", func(p *framework.Param) { p.Default = "30s" })),
			[]string{`param "wait": the manifest's default is "30s", NewParams gives "1m0s"`}},
		{"duration default, same value", agreeManifest(edit("wait", func(p *framework.Param) { p.Default = "60" })), nil},
		{"int default spelt as no run reads it", agreeManifest(edit("port", func(p *framework.Param) { p.Default = "08080" })),
			[]string{`param "port": the manifest's default is "08080", NewParams gives "8080"`}},
		{"bool default left out is false", agreeManifest(edit("verbose", func(p *framework.Param) { p.Default = "" })), nil},
		{"bool default", agreeManifest(edit("verbose", func(p *framework.Param) { p.Default = "true" })),
			[]string{`param "verbose": the manifest's default is "true", NewParams gives "false"`}},
		{"enum", agreeManifest(edit("mode", func(p *framework.Param) { p.Enum = []string{"fast", "slow"} })),
			[]string{`param "mode": the manifest's enum is [fast slow], the field's [fast slow stealth]`}},
		{"enum in another order", agreeManifest(edit("mode", func(p *framework.Param) { p.Enum = []string{"stealth", "slow", "fast"} })), nil},
		{"range", agreeManifest(edit("port", func(p *framework.Param) { p.Max = "1024" })),
			[]string{`param "port": the manifest's range is from 1 to 1024, the field's from 1 to 65535`}},
		{"range left out", agreeManifest(edit("port", func(p *framework.Param) { p.Min, p.Max = "", "" })),
			[]string{`param "port": the manifest's range is none, the field's from 1 to 65535`}},
		{"range, same numbers", agreeManifest(edit("port", func(p *framework.Param) { p.Min = "01" })), nil},
		{"required", agreeManifest(edit("token", func(p *framework.Param) { p.Required = false })),
			[]string{`param "token": required is false in the manifest, true on the field`}},
		{"every difference, each once", agreeManifest(func(ps []framework.Param) []framework.Param {
			ps = edit("port", func(p *framework.Param) { p.Default, p.Required = "80", true })(ps)
			return append(ps[1:], framework.Param{Name: "retries", Type: framework.ParamInt})
		}), []string{
			`param "port": the manifest's default is "80", NewParams gives "8080"`,
			`param "port": required is true in the manifest, false on the field`,
			`manifest param "retries" is not a field of *drift_test.agreeParams`,
			`field "mode" of *drift_test.agreeParams is missing from the manifest`,
		}},
		{"declared twice or without a name: ValidateManifest's", agreeManifest(func(ps []framework.Param) []framework.Param {
			return append(ps, ps[0], framework.Param{Type: framework.ParamString})
		}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := drift.Params(tt.manifest, newAgreeParams())
			var got []string
			if err != nil {
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					got = append(got, e.Error())
				}
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = w + derive
			}
			if !slices.Equal(got, want) {
				t.Errorf("Params:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// A params value ParamsSpec cannot describe gives ParamsSpec's error: the
// runtime and Conformance report it where NewParams is called.
func TestParamsSpecRefuses(t *testing.T) {
	for _, v := range []any{nil, (*agreeParams)(nil), &struct{ F float64 }{}} {
		if err := drift.Params(nil, v); !errors.Is(err, framework.ErrParamsSpec) {
			t.Errorf("Params(%T) = %v, want an ErrParamsSpec", v, err)
		}
	}
}
