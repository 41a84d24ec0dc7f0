package cli_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

type badManifestParams struct {
	Mode string `json:"mode" doc:"a mode"`
}

// badManifest is an injector whose manifest is m, counting its runs.
type badManifest struct {
	m   framework.Manifest
	ran *atomic.Int32
}

func (*badManifest) NewParams() any                 { return &badManifestParams{} }
func (b *badManifest) Manifest() framework.Manifest { return b.m }
func (b *badManifest) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	b.ran.Add(1)
	return framework.ToolOutput{}
}

// badRegistry is the test registry with injector "bad" of manifest m
// (named bad, of the network category) and the count of its runs.
func badRegistry(m framework.Manifest) (*framework.Registry, *atomic.Int32) {
	m.Name, m.Category = "bad", framework.Network
	ran := new(atomic.Int32)
	return registry(func(r *framework.Registry) {
		r.Register("bad", func() framework.Executor { return &badManifest{m: m, ran: ran} })
	}), ran
}

// words is s with its runs of white space folded to one space: the text
// of a wrapped entry, as a reader reads it.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// badAndNoop returns the entries of bad and noop in the text `injectors`
// prints (100 columns wide) for a registry of badRegistry's, which must
// exit 0, each as words reads it.
// listedInvalid checks that validate refuses the injector "bad" of reg
// (exit 2, "has an invalid manifest: <why>", why holding want) and that
// injectors marks it "invalid manifest: <why>", in text and in JSON
// (invalid_manifest), and noop not at all.
func listedInvalid(t *testing.T, reg *framework.Registry, want string) {
	t.Helper()
	refused := run(t, reg, nil, "validate", "bad", "--target", "127.0.0.1", "--log-level", "error")
	_, why, ok := strings.Cut(strings.TrimSpace(refused.stderr), "has an invalid manifest: ")
	if refused.code != cli.ExitUsage || !ok || !strings.Contains(why, want) {
		t.Fatalf("validate bad: exit %d, want 2 refusing its manifest (%q):\n%s", refused.code, want, refused.stderr)
	}
	bad, noop := badAndNoop(t, reg)
	if want := "invalid manifest: " + why; !strings.Contains(bad, want) {
		t.Errorf("bad's entry does not say %q:\n%s", want, bad)
	}
	if strings.Contains(noop, "invalid manifest") {
		t.Errorf("noop's entry is marked invalid:\n%s", noop)
	}
	for _, e := range listInjectors(t, reg, nil) {
		if want := map[bool]string{true: why}[e.Name == "bad"]; e.InvalidManifest != want {
			t.Errorf("%s: invalid_manifest %q, want %q", e.Name, e.InvalidManifest, want)
		}
	}
}

func badAndNoop(t *testing.T, reg *framework.Registry) (bad, noop string) {
	t.Helper()
	r := run(t, reg, map[string]string{"COLUMNS": "100"}, "injectors")
	if r.code != cli.ExitOK {
		t.Fatalf("injectors: exit %d\n%s", r.code, r.stderr)
	}
	entries := strings.SplitAfter(r.stdout, "\nnoop")
	if len(entries) != 2 {
		t.Fatalf("injectors: no noop entry after bad's:\n%s", r.stdout)
	}
	return words(entries[0]), words(entries[1])
}

// namedManifest is a manifest a case of the tests gives bad, and the
// case's name.
type namedManifest struct {
	name string
	m    framework.Manifest
}

// nothingRanOrSent checks that the injector never ran and the platform
// got no request.
func nothingRanOrSent(t *testing.T, ran *atomic.Int32, platform *transporttest.Backend) {
	t.Helper()
	if n := ran.Load(); n != 0 {
		t.Errorf("the injector ran %d times, want none", n)
	}
	if n := platform.Len(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// A manifest framework.ValidateManifest refuses is refused by every
// command, on the default (callback) profile as on the openaev one, before
// anything runs or is sent: exit 2 naming the injector, the field and the
// value.
func TestInvalidManifestRefusedWhateverTheProfile(t *testing.T) {
	d, p := framework.Detection, framework.Prevention
	manifests := []struct {
		name  string
		m     framework.Manifest
		field string
		value string
	}{
		{"setting declared twice", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Settings: []framework.Setting{{Key: "k", Env: "BAD_K1"}, {Key: "k", Env: "BAD_K2"}}}, "settings", "k"},
		{"setting named like a param", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Settings: []framework.Setting{{Key: "mode", Env: "BAD_MODE"}}}, "settings", "mode"},
		{"expectation declared twice", framework.Manifest{Expectations: []framework.ExpectationType{d, p, d}}, "expectations", "DETECTION"},
		{"unknown expectation", framework.Manifest{Expectations: []framework.ExpectationType{d, "BOGUS"}}, "expectations", "BOGUS"},
		{"reserved output", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Outputs: []framework.Output{{Type: "text", Field: framework.ReservedOutputField}}}, "outputs", framework.ReservedOutputField},
		{"output declared twice", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Outputs: []framework.Output{{Type: "text", Field: "o"}, {Type: "ipv4", Field: "o"}}}, "outputs", "o"},
		{"param name written by hand, not a param name", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Params: []framework.Param{{Name: "Scan-Mode", Type: framework.ParamString}}}, "params", "Scan-Mode"},
		// U+0000, which the platform's database refuses: the value
		// quoted as %q quotes it.
		{"NUL in the description", framework.Manifest{Expectations: []framework.ExpectationType{d}, Description: "scan\x00s"},
			"description", `scan\x00s`},
		{"NUL in a domain", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Domains: []framework.Domain{{Name: "Net\x00work", Color: "#009933"}}}, "domains[0].name", `Net\x00work`},
	}
	commands := []struct {
		name string
		args func(backend string) []string
	}{
		{"run", func(b string) []string {
			return []string{"run", "bad", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1", "--token", "t", "--log-level", "error"}
		}},
		{"run without backend", func(string) []string { return []string{"run", "bad", "--target", "127.0.0.1", "--log-level", "error"} }},
		{"validate", func(b string) []string {
			return []string{"validate", "bad", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1", "--log-level", "error"}
		}},
		{"run openaev profile", func(b string) []string {
			return []string{"run", "bad", "--profile", "openaev", "--target", "127.0.0.1", "--backend-url", b, "--inject-id", "i-1", "--token", "t", "--log-level", "error"}
		}},
		{"injectors", func(string) []string { return []string{"injectors", "bad"} }},
		{"serve", func(b string) []string {
			return []string{"serve", "--openaev-url", b, "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000",
				"--listen-addr", "", "--injectors", "bad", "--log-level", "error"}
		}},
	}
	for _, mt := range manifests {
		for _, ct := range commands {
			t.Run(mt.name+"/"+ct.name, func(t *testing.T) {
				reg, ran := badRegistry(mt.m)
				platform := transporttest.NewBackend(t)
				r := run(t, reg, nil, ct.args(platform.URL)...)
				want := `injector bad has an invalid manifest: invalid bad.` + mt.field + ` "` + mt.value + `"`
				if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) || r.stdout != "" {
					t.Errorf("exit %d, want %d saying %s, nothing printed:\nstdout %s\nstderr %s", r.code, cli.ExitUsage, want, r.stdout, r.stderr)
				}
				nothingRanOrSent(t, ran, platform)
			})
		}
	}
}

// A manifest the platform's own rules refuse (openaev.ValidateManifest,
// the one entry of those rules) is refused by the openaev profile's
// commands before anything runs or is sent, exit 2, with the error
// openaev.ValidateManifest gives; the default (callback) profile, which
// the platform's rules do not bind, accepts it.
func TestPlatformManifestRefusedOnTheOpenAEVProfile(t *testing.T) {
	d := framework.Detection
	manifests := []namedManifest{
		{"unknown platform", framework.Manifest{Expectations: []framework.ExpectationType{d}, Platforms: []string{"BeOS"}}},
		{"unknown output type", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Outputs: []framework.Output{{Type: "bogus", Field: "o"}}}},
		// A field of its NewParams struct (contractNamed): params that
		// are none are refused whatever the profile (drift.Params).
		{"param named like a contract field", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Params: framework.MustParamsSpec(contractNamed{}.NewParams())}},
	}
	for _, mt := range manifests {
		m := mt.m
		m.Name, m.Category = "bad", framework.Network
		platformErr := openaev.ValidateManifest(m, openaev.PlatformVersion{Current: true})
		if platformErr == nil {
			t.Fatalf("%s: openaev.ValidateManifest accepts it", mt.name)
		}
		for _, profile := range []string{"openaev", "callback"} {
			for _, cmd := range []string{"run", "validate"} {
				t.Run(mt.name+"/"+profile+"/"+cmd, func(t *testing.T) {
					reg, ran := badRegistry(m)
					if len(m.Params) > 0 {
						reg, ran = contractNamedRegistry(m)
					}
					platform := transporttest.NewBackend(t)
					r := run(t, reg, nil, cmd, "bad", "--profile", profile, "--target", "127.0.0.1", "--backend-url", platform.URL,
						"--inject-id", "i-1", "--token", "t", "--log-level", "error")
					if profile == "callback" {
						if r.code != cli.ExitOK {
							t.Errorf("exit %d on the callback profile, want 0:\n%s", r.code, r.stderr)
						}
						return
					}
					want := "injector bad cannot report to OpenAEV: " + platformErr.Error()
					if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) {
						t.Errorf("exit %d, want %d saying %s:\n%s", r.code, cli.ExitUsage, want, r.stderr)
					}
					nothingRanOrSent(t, ran, platform)
				})
			}
		}
	}
}

// `injectors` lists an injector whose manifest framework.ValidateManifest
// refuses marked "invalid manifest: <first error>", in text and in JSON
// (invalid_manifest), the error run and validate refuse it with; the
// others are listed unmarked.
func TestInjectorsListMarksInvalidManifests(t *testing.T) {
	d := framework.Detection
	manifests := []namedManifest{
		{"setting declared twice", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Settings: []framework.Setting{{Key: "k", Env: "BAD_K1"}, {Key: "k", Env: "BAD_K2"}}}},
		{"param name not one", framework.Manifest{Expectations: []framework.ExpectationType{d},
			Params: []framework.Param{{Name: "Scan-Mode", Type: framework.ParamString}}}},
		{"unknown expectation", framework.Manifest{Expectations: []framework.ExpectationType{"BOGUS"}}},
	}
	for _, mt := range manifests {
		t.Run(mt.name, func(t *testing.T) {
			m := mt.m
			m.Description = "a probe"
			reg, ran := badRegistry(m)
			listedInvalid(t, reg, "")
			if n := ran.Load(); n != 0 {
				t.Errorf("the injector ran %d times, want none", n)
			}
		})
	}
}

// declares is an injector whose hand-written manifest edit changes.
type declares struct {
	idle
	edit func(*framework.Manifest)
}

type declaresParams struct {
	Mode string `json:"mode" doc:"sub mode"`
}

func (*declares) NewParams() any { return &declaresParams{} }
func (d *declares) Manifest() framework.Manifest {
	m := framework.Manifest{Name: "declares", Category: framework.Network, Params: framework.MustParamsSpec(&declaresParams{}),
		Expectations: []framework.ExpectationType{framework.Detection}, Platforms: []string{"Linux"}}
	d.edit(&m)
	return m
}

// A manifest declaring what the platform would choke on is refused by run
// and validate with the openaev profile before anything runs or is sent,
// naming the injector, the field and the value.
func TestOpenAEVProfileRefusesBadDeclarations(t *testing.T) {
	tests := []struct {
		name string
		edit func(*framework.Manifest)
		want string
	}{
		{"expectation type twice, then unknown", func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{framework.Detection, framework.Detection, "BOGUS"}
		}, `invalid declares.expectations "DETECTION": declared twice`},
		{"unknown expectation type", func(m *framework.Manifest) {
			m.Expectations = []framework.ExpectationType{"BOGUS"}
		}, `invalid declares.expectations "BOGUS": not an expectation type (want one of DETECTION, PREVENTION, VULNERABILITY)`},
		{"output field twice", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "dup"}, {Type: "number", Field: "dup"}}
		}, `invalid declares.outputs "dup": declared twice (as text and as number)`},
		{"output named like the expectation signatures", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text", Field: "expectation_signatures"}}
		}, `invalid declares.outputs "expectation_signatures": reserved: the profile puts the expectation signatures there`},
		{"setting key twice", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "k", Env: "EVIL_K"}, {Key: "k", Env: "EVIL_K2"}, {Key: "mode", Env: "EVIL_MODE"}}
		}, `invalid declares.settings "k": declared twice`},
		{"setting named like a param", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Key: "mode", Env: "EVIL_MODE"}}
		}, `invalid declares.settings "mode": also the name of a param (mode), in that spelling or another`},
		{"param twice", func(m *framework.Manifest) {
			m.Params = append(m.Params, m.Params[0])
		}, `invalid declares.params "mode": declared twice`},
		{"param without a name", func(m *framework.Manifest) {
			m.Params = append(m.Params, framework.Param{Type: framework.ParamString})
		}, `invalid declares.params[1]: a param needs a name`},
		{"output without a field", func(m *framework.Manifest) {
			m.Outputs = []framework.Output{{Type: "text"}}
		}, `invalid declares.outputs[0]: an output needs a field`},
		{"setting without a key", func(m *framework.Manifest) {
			m.Settings = []framework.Setting{{Env: "DECLARES_X"}}
		}, `invalid declares.settings[0]: a setting needs a key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("declares", func() framework.Executor { return &declares{edit: tt.edit} })
			})
			for _, cmd := range []string{"validate", "run"} {
				r := run(t, reg, nil, cmd, "declares", "--profile", "openaev", "--target", "127.0.0.1", "--log-level", "error")
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
					t.Errorf("%s: exit %d, want 2 saying %s, nothing printed:\nstdout %s\nstderr %s", cmd, r.code, tt.want, r.stdout, r.stderr)
				}
			}
		})
	}
}

// collideParams has a param named like the contract's target field.
type collideParams struct {
	Targets string `json:"targets" doc:"collides with a contract field"`
}

type collide struct{ ran chan struct{} }

func (*collide) NewParams() any { return &collideParams{} }
func (c *collide) Manifest() framework.Manifest {
	return framework.Manifest{Name: "collide", Category: framework.Network, Params: framework.MustParamsSpec(c.NewParams())}
}
func (c *collide) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	close(c.ran)
	return framework.ToolOutput{}
}

// An injector whose manifest the platform refuses (a param named like a
// contract field) is refused by the openaev profile before anything runs
// or is sent, with serve's registration message; the default profile runs it.
func TestOpenAEVProfileRefusesManifestThePlatformRefuses(t *testing.T) {
	ex := &collide{ran: make(chan struct{})}
	reg := withFake("collide", ex)
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-msg","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("collide")+`"},"inject_content":{"target_selector":"manual","manual_targets":"127.0.0.1"}}}`)
	const want = `invalid collide.params "targets": name reserved by the contract's target fields`
	for _, args := range [][]string{
		{"run", "collide", "--profile", "openaev", "--target", "127.0.0.1"},
		{"validate", "collide", "--profile", "openaev", "--target", "127.0.0.1"},
		{"run", "collide", "--openaev-message", msg},
		{"run", "--openaev-message", msg},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := run(t, reg, nil, append(args, "--log-level", "error")...)
			checkRefused(t, r, want)
		})
	}
	select {
	case <-ex.ran:
		t.Fatal("the injector ran")
	default:
	}
	r := run(t, reg, nil, "run", "collide", "--target", "127.0.0.1", "--log-level", "error")
	if r.code != 0 {
		t.Errorf("default profile: exit %d: %s", r.code, r.stderr)
	}
}
