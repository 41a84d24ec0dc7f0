package cli_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
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
				m := mt.m
				m.Name, m.Category = "bad", framework.Network
				var ran atomic.Int32
				reg := registry(func(r *framework.Registry) {
					r.Register("bad", func() framework.Executor { return &badManifest{m: m, ran: &ran} })
				})
				platform := testkit.NewBackend(t)
				r := run(t, reg, nil, ct.args(platform.URL)...)
				want := `injector bad has an invalid manifest: invalid bad.` + mt.field + ` "` + mt.value + `"`
				if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) || r.stdout != "" {
					t.Errorf("exit %d, want %d saying %s, nothing printed:\nstdout %s\nstderr %s", r.code, cli.ExitUsage, want, r.stdout, r.stderr)
				}
				if n := ran.Load(); n != 0 {
					t.Errorf("the injector ran %d times, want none", n)
				}
				if n := platform.Len(); n != 0 {
					t.Errorf("%d requests sent, want none", n)
				}
			})
		}
	}
}
