package cli_test

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// probeParams is the NewParams struct of handWritten: a param of each
// type, a range.
type probeParams struct {
	Mode  string        `json:"mode" param:"enum=fast|slow" doc:"how to probe"`
	Port  int           `json:"port" param:"min=1,max=65535" doc:"port to probe"`
	Wait  time.Duration `json:"wait" doc:"pause between probes"`
	Label string        `json:"label" doc:"a label"`
}

func newProbeParams() any { return &probeParams{Mode: "fast", Port: 8080, Wait: time.Minute} }

// handWritten is a third party's injector whose manifest's params are
// written by hand (badManifest's manifest), its params a probeParams.
type handWritten struct{ *badManifest }

func (handWritten) NewParams() any { return newProbeParams() }

// handWrittenRegistry is the test registry with injector "bad", a
// handWritten of manifest m (named bad, of the network category, its
// params edited by edit from those of probeParams), and the count of its
// runs.
func handWrittenRegistry(edit func([]framework.Param) []framework.Param) (*framework.Registry, *atomic.Int32) {
	m := framework.Manifest{Name: "bad", Category: framework.Network, Expectations: []framework.ExpectationType{framework.Detection},
		Params: edit(framework.MustParamsSpec(newProbeParams()))}
	ran := new(atomic.Int32)
	return registry(func(r *framework.Registry) {
		r.Register("bad", func() framework.Executor { return handWritten{&badManifest{m: m, ran: ran}} })
	}), ran
}

// contractNamed is a badManifest whose params struct has a field named
// like a contract's (assets).
type contractNamed struct{ *badManifest }

func (contractNamed) NewParams() any {
	return &struct {
		Assets string `json:"assets" doc:"named like a contract field"`
	}{}
}

// contractNamedRegistry is badRegistry's registry with bad a
// contractNamed.
func contractNamedRegistry(m framework.Manifest) (*framework.Registry, *atomic.Int32) {
	m.Name, m.Category = "bad", framework.Network
	ran := new(atomic.Int32)
	return registry(func(r *framework.Registry) {
		r.Register("bad", func() framework.Executor { return contractNamed{&badManifest{m: m, ran: ran}} })
	}), ran
}

// param returns an edit of the param named name.
func param(name string, f func(*framework.Param)) func([]framework.Param) []framework.Param {
	return func(ps []framework.Param) []framework.Param {
		for i := range ps {
			if ps[i].Name == name {
				f(&ps[i])
			}
		}
		return ps
	}
}

// A manifest whose params were written by hand and disagree with its
// NewParams struct passed every command: run used the struct's default
// (8080) where the contract's form and `injectors bad` said 80, refused
// the struct's param the manifest left out (`--param label=x`: unknown
// parameter) and took one the struct lacks only to fail its decoding,
// and serve registered that contract. Every command now refuses it
// before anything runs, exit 2 naming the injector, the param and both
// values (drift.Params), as Conformance reports it.
func TestManifestParamsDisagreeingWithNewParamsRefused(t *testing.T) {
	const fix = " (derive Manifest.Params with framework.MustParamsSpec(x.NewParams()))"
	cases := []struct {
		name string
		edit func([]framework.Param) []framework.Param
		want string
	}{
		{"extra param", func(ps []framework.Param) []framework.Param {
			return append(ps, framework.Param{Name: "retries", Type: framework.ParamInt, Default: "3"})
		}, `manifest param "retries" is not a field of *cli_test.probeParams`},
		{"missing param", func(ps []framework.Param) []framework.Param { return ps[:3] },
			`field "label" of *cli_test.probeParams is missing from the manifest`},
		{"type", param("wait", func(p *framework.Param) { p.Type = framework.ParamString }),
			`param "wait": the manifest says string, *cli_test.probeParams holds a duration`},
		{"default", param("port", func(p *framework.Param) { p.Default = "80" }),
			`param "port": the manifest's default is "80", NewParams gives "8080"`},
		{"enum", param("mode", func(p *framework.Param) { p.Enum = append(p.Enum, "stealth") }),
			`param "mode": the manifest's enum is [fast slow stealth], the field's [fast slow]`},
		{"range", param("port", func(p *framework.Param) { p.Max = "9000" }),
			`param "port": the manifest's range is from 1 to 9000, the field's from 1 to 65535`},
		{"required", param("label", func(p *framework.Param) { p.Required = true }),
			`param "label": required is true in the manifest, false on the field`},
	}
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-msg","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("bad")+`"},"inject_content":{"target_selector":"manual","manual_targets":"127.0.0.1"}}}`)
	commands := []struct {
		name string
		args func(backend string) []string
	}{
		{"run", func(b string) []string {
			return []string{"run", "bad", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1", "--token", "t"}
		}},
		{"run openaev profile", func(b string) []string {
			return []string{"run", "bad", "--profile", "openaev", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1", "--token", "t"}
		}},
		{"run openaev message", func(b string) []string {
			return []string{"run", "--openaev-message", msg, "--backend-url", b, "--token", "t"}
		}},
		{"validate", func(b string) []string {
			return []string{"validate", "bad", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1"}
		}},
		{"injectors", func(string) []string { return []string{"injectors", "bad"} }},
		{"serve", func(b string) []string {
			return []string{"serve", "--openaev-url", b, "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
				"--listen-addr", "", "--injectors", "bad"}
		}},
		{"serve every injector", func(b string) []string {
			return []string{"serve", "--openaev-url", b, "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", ""}
		}},
	}
	for _, tc := range cases {
		for _, ct := range commands {
			t.Run(tc.name+"/"+ct.name, func(t *testing.T) {
				reg, ran := handWrittenRegistry(tc.edit)
				platform := transporttest.NewBackend(t)
				r := run(t, reg, nil, append(ct.args(platform.URL), "--log-level", "error")...)
				checkRefused(t, r, "injector bad has an invalid manifest: "+tc.want+fix)
				nothingRanOrSent(t, ran, platform)
			})
		}
	}
}

// The params a manifest derives from its NewParams struct, or writes by
// hand as the struct gives them (in another order, a range's end or a
// duration spelt another way, an enum's values reordered), agree: the
// injector runs, with the struct's defaults.
func TestManifestParamsAgreeingWithNewParamsRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func([]framework.Param) []framework.Param
	}{
		{"derived", func(ps []framework.Param) []framework.Param { return ps }},
		{"in another order", func(ps []framework.Param) []framework.Param { slices.Reverse(ps); return ps }},
		{"spelt another way", func(ps []framework.Param) []framework.Param {
			ps = param("wait", func(p *framework.Param) { p.Default = "60" })(ps)
			ps = param("port", func(p *framework.Param) { p.Min = "01" })(ps)
			return param("mode", func(p *framework.Param) { p.Enum = []string{"slow", "fast"} })(ps)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, ran := handWrittenRegistry(tc.edit)
			for _, args := range [][]string{{"injectors", "bad"}, {"validate", "bad", "--target", "127.0.0.1"}, {"run", "bad", "--target", "127.0.0.1"}} {
				if r := run(t, reg, nil, append(args, "--log-level", "error")...); r.code != cli.ExitOK {
					t.Errorf("%s: exit %d, want 0:\n%s", strings.Join(args, " "), r.code, r.stderr)
				}
			}
			if n := ran.Load(); n != 1 {
				t.Errorf("the injector ran %d times, want once", n)
			}
			if bad, _ := badAndNoop(t, reg); strings.Contains(bad, "invalid manifest") {
				t.Errorf("bad's entry is marked invalid:\n%s", bad)
			}
		})
	}
}

// `injectors` lists an injector whose params disagree with its NewParams
// struct marked "invalid manifest: <why>", in text and in JSON
// (invalid_manifest), the error every command refuses it with; the
// others unmarked.
func TestInjectorsListMarksParamsDisagreeing(t *testing.T) {
	reg, _ := handWrittenRegistry(param("port", func(p *framework.Param) { p.Default = "80" }))
	listedInvalid(t, reg, `"80"`)
}

// The reference injectors' params agree with their NewParams structs:
// none is marked invalid, each is shown.
func TestReferenceInjectorsParamsAgree(t *testing.T) {
	reg := framework.NewRegistry()
	builtin.Register(reg)
	list := listInjectors(t, reg, nil)
	if len(list) != len(builtin.Names()) {
		t.Fatalf("%d injectors listed, want %v", len(list), builtin.Names())
	}
	for _, e := range list {
		if e.InvalidManifest != "" {
			t.Errorf("%s: invalid_manifest %q", e.Name, e.InvalidManifest)
		}
		if r := run(t, reg, nil, "injectors", e.Name); r.code != cli.ExitOK {
			t.Errorf("injectors %s: exit %d:\n%s", e.Name, r.code, r.stderr)
		}
	}
}
