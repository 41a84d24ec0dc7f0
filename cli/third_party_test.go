package cli_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
)

// The tests of a third-party binary: one built with cli.Run under a name
// of its own, serving injectors of its own beside injectkit's.

// A binary built with cli.Run under its own name never calls itself
// injectkit: not in its help, its errors and hints, nor its User-Agent.
func TestThirdPartyBinaryNamesItself(t *testing.T) {
	o := cli.Options{Registry: registry(withNmap), Name: "hello", Usage: "greet the targets", Product: "hello-agent", Version: "1.0.0"}
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"outbox", "--help"}, {"completion", "bash"}, {"completion", "zsh"},
		{"completion", "fish"}} {
		r := runWith(t, o, nil, args...)
		if r.code != 0 || strings.Contains(r.stdout, "injectkit ") || !strings.Contains(r.stdout, "hello") {
			t.Errorf("%v: exit %d, names injectkit or not hello:\n%s", args, r.code, r.stdout)
		}
	}
	if r := runWith(t, o, nil, "--help"); !strings.Contains(r.stdout, "hello - greet the targets") {
		t.Errorf("--help: %s", r.stdout)
	}
	// Where to install its completion scripts: its own files.
	if r := runWith(t, o, nil, "completion", "--help"); strings.Contains(r.stdout, "injectkit") ||
		!strings.Contains(r.stdout, "completions/hello.fish") || !strings.Contains(r.stdout, "/etc/bash_completion.d/hello\n") {
		t.Errorf("completion --help names injectkit's files:\n%s", r.stdout)
	}
	for _, tt := range []struct{ args []string }{
		{[]string{"rn"}}, {[]string{"run", "noop", "--taget", "x"}}, {[]string{"outbox", "flush", "--outbox", "none"}},
	} {
		r := runWith(t, o, nil, tt.args...)
		if r.code != 2 || strings.Contains(r.stderr, "injectkit") || !strings.HasPrefix(r.stderr, "hello: ") {
			t.Errorf("%v: exit %d, stderr %q", tt.args, r.code, r.stderr)
		}
	}
	for _, profile := range []string{"callback", "openaev"} {
		be := newBackend(t, http.StatusOK)
		// The version from the environment, which the callback profile ignores (a flag of it would be refused).
		r := runWith(t, o, map[string]string{"INJECTKIT_OPENAEV_VERSION": "3.260821.0"}, "run", "noop", "--inject-id", "i",
			"--target", "127.0.0.1", "--backend-url", be.URL, "--profile", profile, "--outbox", "none", "--log-level", "error")
		reqs := be.got()
		if r.code != 0 || len(reqs) == 0 {
			t.Errorf("%s: exit %d, %d requests; stderr %s", profile, r.code, len(reqs), r.stderr)
		}
		for _, req := range reqs {
			if ua := req.Header.Get("User-Agent"); ua != "hello-agent/1.0.0" {
				t.Errorf("%s: %s %s: User-Agent %q", profile, req.Method, req.Path, ua)
			}
		}
	}
}

// authParams are params every one required, of each type.
type authParams struct {
	Token string        `json:"token" param:"required"`
	Count int           `json:"count" param:"required,example=3"`
	Fast  bool          `json:"fast" param:"required"`
	Wait  time.Duration `json:"wait" param:"required"`
	Mode  string        `json:"mode" param:"required,enum=quick|full"`
	Extra int           `json:"extra"`
}

// auth is an injector whose every param but one is required.
type auth struct{ frameworktest.Executor }

func (*auth) NewParams() any { return &authParams{Extra: 5} }
func (a *auth) Manifest() framework.Manifest {
	return framework.Manifest{Name: "auth", Category: framework.Network, Params: framework.MustParamsSpec(a.NewParams())}
}

func withAuth(r *framework.Registry) {
	r.Register("auth", func() framework.Executor { return &auth{} })
}

// A binary serving an injector of its own beside injectkit's shows its own
// in its help's examples, never injectkit's injectors or injector id; its
// examples of run and validate are commands that work: they name an
// injector without required params when there is one, else give them.
func TestThirdPartyHelpNamesItsOwnInjectors(t *testing.T) {
	tests := []struct {
		name string
		reg  *framework.Registry
		own  string // the injector the examples name
	}{
		{"one of its own", registry(withNmap, withDemo), "demo"},
		{"one with required params first", registry(withNmap, withAuth, withDemo), "demo"},
		{"only one with required params", registry(withNmap, withAuth), "auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := cli.Options{Registry: tt.reg, Name: "hello", Version: "1.0.0"}
			for _, path := range [][]string{{}, {"run"}, {"validate"}, {"serve"}, {"injectors"}} {
				r := runWith(t, o, nil, append(path, "--help")...)
				_, examples, ok := strings.Cut(r.stdout, "\nEXAMPLES:\n")
				if r.code != 0 || !ok {
					t.Fatalf("%v: exit %d, no examples:\n%s", path, r.code, r.stdout)
				}
				for _, theirs := range []string{" noop ", " nmap", " query ", "5b8c6a8e"} {
					if strings.Contains(examples, theirs) {
						t.Errorf("%v: the examples name injectkit's %q:\n%s", path, strings.TrimSpace(theirs), examples)
					}
				}
				loopbackTargets(t, examples)
				if len(path) == 0 || path[0] == "serve" {
					continue
				}
				if !strings.Contains(examples, "hello "+path[0]+" "+tt.own+" ") && !strings.Contains(examples, "hello "+path[0]+" "+tt.own+"\n") {
					t.Errorf("%v: no example names %s:\n%s", path, tt.own, examples)
				}
				for _, line := range strings.Split(examples, "\n") {
					line, _, _ = strings.Cut(strings.TrimSpace(line), "   #")
					args := strings.Fields(line)
					if len(args) < 3 || args[1] != "run" && args[1] != "validate" || strings.HasPrefix(args[2], "-") {
						continue
					}
					if r := runWith(t, o, nil, append(args[1:], "--log-level", "error", "-o", "json")...); r.code != 0 {
						t.Errorf("the example %q: exit %d: %s", line, r.code, r.stderr)
					}
				}
			}
		})
	}
}
