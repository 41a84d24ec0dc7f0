package cli_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

// TestUnknownEnvironmentVariableRefused checks that an INJECTKIT_
// variable no command or injector reads (a misspelled one) is refused
// before anything runs, naming it and the closest known name, never its
// value, while one another command or an injector reads is allowed.
func TestUnknownEnvironmentVariableRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when allowed
	}{
		{"misspelled backend URL", map[string]string{"INJECTKIT_BACKEND_ULR": be.URL},
			append([]string{"run", "--inject-id", "i-1"}, line...),
			"unknown environment variable INJECTKIT_BACKEND_ULR (did you mean INJECTKIT_BACKEND_URL?): no injectkit command or injector reads it"},
		{"misspelled token, its value not shown", map[string]string{"INJECTKIT_BACKEND_URL": be.URL, "INJECTKIT_TOKN": "s3cret"},
			append([]string{"run", "--inject-id", "i-1"}, line...),
			"unknown environment variable INJECTKIT_TOKN (did you mean INJECTKIT_TOKEN?)"},
		{"validate", map[string]string{"INJECTKIT_TAGRET": "10.0.0.2"}, append([]string{"validate"}, line...),
			"INJECTKIT_TAGRET (did you mean INJECTKIT_TARGET?)"},
		{"outbox list", map[string]string{"INJECTKIT_OUTBOKS": "none"}, []string{"outbox", "list"},
			"INJECTKIT_OUTBOKS (did you mean INJECTKIT_OUTBOX?)"},
		{"two, one unlike any", map[string]string{"INJECTKIT_ZZZ_QQQ": "1", "INJECTKIT_TIMOUT": "1s"}, append([]string{"run"}, line...),
			"unknown environment variables INJECTKIT_TIMOUT (did you mean INJECTKIT_TIMEOUT?), INJECTKIT_ZZZ_QQQ: no injectkit command or injector reads them"},
		{"serve's variable seen by run", map[string]string{"INJECTKIT_WORKERS": "8", "INJECTKIT_OPENAEV_URL": "http://127.0.0.1:1"},
			append([]string{"run"}, line...), ""},
		{"an injector's variable", map[string]string{"INJECTKIT_SHODAN_API_KEY": "k", "INJECTKIT_QUERY_REQUEST_TIMEOUT": "5s"},
			append([]string{"run"}, line...), ""},
		{"the config file's variable", map[string]string{"INJECTKIT_CONFIG": writeFile(t, "c.yaml", "log_level: error\n")},
			append([]string{"run"}, line...), ""},
		{"another prefix", map[string]string{"INJECTKITX": "1", "XINJECTKIT_FOO": "1"}, append([]string{"run"}, line...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withQuery), tt.env, tt.args...)
			if tt.want == "" {
				if r.code != 0 || strings.Contains(r.stderr, "environment variable") {
					t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
				}
				return
			}
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, want 2 with %q and no stdout:\nstdout %q\nstderr %s", r.code, tt.want, r.stdout, r.stderr)
			}
			if strings.Contains(r.stderr, "s3cret") {
				t.Errorf("stderr shows the value: %s", r.stderr)
			}
		})
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

// panicManifest is an injector whose Manifest panics: broken.
type panicManifest struct{ badManifest }

func (*panicManifest) Manifest() framework.Manifest { panic("manifest bug") }

// An INJECTKIT_ variable of an injector whose manifest is bad is never
// called unknown: one framework.ValidateManifest refuses still names its
// settings, and the command says its manifest is invalid (exit 2); one
// whose Manifest panics cannot, and the command says so (exit 3), naming
// the injector, the variable only as maybe one of its settings.
func TestEnvOfBadManifestNotUnknown(t *testing.T) {
	d := framework.Detection
	invalid := framework.Manifest{Name: "bad", Category: framework.Network, Expectations: []framework.ExpectationType{d, d},
		Settings: []framework.Setting{{Key: "level", Env: "INJECTKIT_BAD_LEVEL"}}}
	invalidMsg := `injector bad has an invalid manifest: invalid bad.expectations "DETECTION": declared twice`
	panicMsg := "injector bad: Manifest panicked: manifest bug"
	lines := map[string][]string{
		"run":       {"run", "bad", "--target", "127.0.0.1", "--log-level", "error"},
		"validate":  {"validate", "bad", "--target", "127.0.0.1", "--log-level", "error"},
		"injectors": {"injectors", "bad"},
	}
	tests := []struct {
		name     string
		executor func(ran *atomic.Int32) framework.Executor
		code     int
		want     string
	}{
		{"invalid manifest", func(ran *atomic.Int32) framework.Executor { return &badManifest{m: invalid, ran: ran} }, cli.ExitUsage, invalidMsg},
		{"Manifest panics", func(ran *atomic.Int32) framework.Executor { return &panicManifest{badManifest{ran: ran}} }, cli.ExitFailed, panicMsg},
	}
	for _, tt := range tests {
		for cmd, args := range lines {
			t.Run(tt.name+"/"+cmd, func(t *testing.T) {
				var ran atomic.Int32
				reg := registry(func(r *framework.Registry) {
					r.Register("bad", func() framework.Executor { return tt.executor(&ran) })
				})
				r := run(t, reg, map[string]string{"INJECTKIT_BAD_LEVEL": "high"}, args...)
				if r.code != tt.code || !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, "unknown environment variable") {
					t.Errorf("exit %d, want %d saying %s, never unknown:\n%s", r.code, tt.code, tt.want, r.stderr)
				}
				if ran.Load() != 0 {
					t.Error("the injector ran")
				}
			})
		}
	} // Another injector's run: the variable may be the broken one's.
	reg := registry(func(r *framework.Registry) {
		r.Register("bad", func() framework.Executor { return &panicManifest{} })
	})
	r := run(t, reg, map[string]string{"INJECTKIT_BAD_LEVEL": "high"}, "run", "noop", "--target", "127.0.0.1")
	want := panicMsg + "; INJECTKIT_BAD_LEVEL"
	maybe := ", which no injectkit command or other injector reads, may be one of its settings"
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, maybe) || r.stdout != "" {
		t.Errorf("run noop: exit %d, want %d saying %s, nothing printed:\n%s%s", r.code, cli.ExitFailed, want, r.stdout, r.stderr)
	}
}
