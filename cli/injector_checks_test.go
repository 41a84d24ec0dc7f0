package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// countedParams are the params of counted.
type countedParams struct {
	Mode string `json:"mode" doc:"a mode"`
}

// counted is an injector with a manifest, params and a setting it
// refuses "bad" for, whose factory counts its calls.
type counted struct{ idle }

func (counted) NewParams() any { return &countedParams{} }
func (counted) Manifest() framework.Manifest {
	return framework.Manifest{Name: "counted", Category: framework.Network,
		Expectations: []framework.ExpectationType{framework.Detection},
		Settings:     []framework.Setting{{Key: "level", Env: "INJECTKIT_COUNTED_LEVEL", Doc: "a level"}}}
}
func (counted) Configure(s map[string]string) error {
	if s["level"] == "bad" {
		return &signatures.ValidationError{Field: "counted.level", Value: "bad", Reason: "not a level"}
	}
	return nil
}

// A command builds each injector once, however many of its checks read
// it before anything runs (the settings, the manifest's, the params', the
// platform's, serve's settings): an injector's constructor may be costly
// or have side effects. Each command line here stops right after those
// checks, before the runtime builds the executor of the inject itself.
func TestInjectorBuiltOncePerCommand(t *testing.T) {
	backend := transporttest.NewBackend(t)
	msg := contractMessage(t, openaev.ContractID("counted"))
	line := []string{"--target", "127.0.0.1", "--param", "mode=x", "--backend-url", backend.URL, "--log-level", "error"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // what it stops on (or says)
	}{
		{"run", nil, append([]string{"run", "counted"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"run openaev profile", nil, append([]string{"run", "counted", "--profile", "openaev"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"validate", nil, append([]string{"validate", "counted"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"validate openaev profile", nil, append([]string{"validate", "counted", "--profile", "openaev"}, line...), cli.ExitUsage, "no inject id: one is required"},
		{"run openaev message", nil, []string{"run", "counted", "--openaev-message", msg, "--target", "127.0.0.1"},
			cli.ExitUsage, "--openaev-message takes the inject from the message"},
		{"injectors", nil, []string{"injectors", "counted"}, cli.ExitOK, "INJECTKIT_COUNTED_LEVEL"},
		{"serve", map[string]string{"INJECTKIT_COUNTED_LEVEL": "bad"}, []string{"serve", "--openaev-url", backend.URL, "--token", "tok",
			"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--injectors", "counted"}, cli.ExitUsage, "not a level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var built atomic.Int32
			reg := registry(func(r *framework.Registry) {
				r.Register("counted", func() framework.Executor { built.Add(1); return counted{} })
			})
			r := run(t, reg, tt.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Fatalf("exit %d, want %d saying %s:\n%s%s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
			if n := built.Load(); n != 1 {
				t.Errorf("the injector was built %d times, want once", n)
			}
		})
	}
}

// hookLedger records, for each executor a factory built, whether its
// Configure or Preflight was called and how many times it was closed.
type hookLedger struct {
	mu     sync.Mutex
	used   map[int]bool
	closed map[int]int
	built  int
}

func (l *hookLedger) factory() framework.Executor {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.built++
	return &hooked{l: l, id: l.built}
}

func (l *hookLedger) mark(id int, closed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if closed {
		l.closed[id]++
		return
	}
	l.used[id] = true
}

// unclosed returns how many executors had their hooks called, and those
// of them not closed exactly once.
func (l *hookLedger) unclosed() (int, map[int]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for id := range l.used {
		if l.closed[id] != 1 {
			out[id] = l.closed[id]
		}
	}
	return len(l.used), out
}

// hooked is an executor with a setting, a preflight and a Close, that
// tells its ledger of each.
type hooked struct {
	idle
	l  *hookLedger
	id int
}

func (*hooked) Manifest() framework.Manifest {
	return framework.Manifest{Name: "hooked", Category: framework.Network, Settings: []framework.Setting{
		{Key: "level", Env: "HOOKED_LEVEL", Default: "1", Doc: "a level"},
	}}
}
func (h *hooked) Configure(map[string]string) error { h.l.mark(h.id, false); return nil }
func (h *hooked) Preflight() error                  { h.l.mark(h.id, false); return nil }
func (h *hooked) Close() error                      { h.l.mark(h.id, true); return nil }

// bystander is a framework.Closer a command neither configures nor
// preflights: it counts its closes.
type bystander struct {
	idle
	closed *atomic.Int32
}

func (bystander) Manifest() framework.Manifest {
	return framework.Manifest{Name: "bystander", Category: framework.Network}
}
func (b bystander) Close() error { b.closed.Add(1); return nil }

// The executors serve's start and validate build to configure or
// preflight outside the runtime are closed once, as the runtime closes
// the one it builds for an inject (a framework.Closer may hold
// connections Configure opened); an injector they neither configure nor
// preflight (not served, not the inject's) is not closed.
func TestChecksCloseTheExecutorsTheyConfigure(t *testing.T) {
	tests := []struct {
		name string
		cmd  func(t *testing.T, reg *framework.Registry)
	}{
		{"serve", func(t *testing.T, reg *framework.Registry) {
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "", "--injectors", "hooked,noop")
			startedOrExited(t, d, p)
			if len(p.Registrations()) == 0 {
				t.Fatalf("serve did not start:\n%s", d.stderr.String())
			}
		}},
		{"validate", func(t *testing.T, reg *framework.Registry) {
			r := run(t, reg, nil, "validate", "hooked", "--target", "127.0.0.1")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "valid:") {
				t.Fatalf("exit %d, stdout %q:\n%s", r.code, r.stdout, r.stderr)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &hookLedger{used: map[int]bool{}, closed: map[int]int{}}
			var other atomic.Int32
			tt.cmd(t, registry(func(r *framework.Registry) {
				r.Register("hooked", l.factory)
				r.Register("bystander", func() framework.Executor { return bystander{closed: &other} })
			}))
			if n := other.Load(); n != 0 {
				t.Errorf("an injector neither configured nor preflighted was closed %d times, want none", n)
			}
			used, u := l.unclosed()
			if used == 0 {
				t.Fatal("no Configure or Preflight called: the test checks nothing")
			}
			if len(u) != 0 {
				t.Errorf("executors configured or preflighted, by id, and the times each was closed (want 1): %v", u)
			}
		})
	}
}

// cannotRunWarn is the WARN serve's start and validate give for an
// injector whose injects would each fail on this machine (nmap not on
// PATH, or not executable).
const cannotRunWarn = "injector cannot run on this machine: every inject of nmap fails until it can"

// preflightCase is one PATH for nmap, and what the WARN says of it ("":
// no WARN).
type preflightCase struct {
	name, path string
	want       string
}

// preflightCases returns a registry serving the real nmap injector and
// the PATHs it is checked on: none holding nmap, one holding a file that
// is not a program (when notExec), one holding a stand-in nmap.
func preflightCases(t *testing.T, notExec bool) (*framework.Registry, []preflightCase) {
	t.Helper()
	reg := registry(withNmapScanner)
	write := func(content string, mode os.FileMode) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "nmap"), []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	cases := []preflightCase{{"not on PATH", t.TempDir(), "nmap not found on PATH (install it: apt-get install nmap)"}}
	if notExec {
		cases = append(cases, preflightCase{"not executable", write("not a program\n", 0o644), "is not executable"})
	}
	return reg, append(cases, preflightCase{"on PATH", write("#!/bin/sh\nexit 0\n", 0o755), ""})
}

// checkPreflightWarn checks that stderr holds one WARN saying tt.want,
// or none when tt.want is "".
func checkPreflightWarn(t *testing.T, who string, tt preflightCase, stderr string) {
	t.Helper()
	if tt.want == "" {
		if strings.Contains(stderr, cannotRunWarn) {
			t.Errorf("nmap on PATH, yet %s warned:\n%s", who, stderr)
		}
		return
	}
	if strings.Count(stderr, cannotRunWarn) != 1 || !strings.Contains(stderr, tt.want) {
		t.Errorf("%s gave no one WARN %q saying %q:\n%s", who, cannotRunWarn, tt.want, stderr)
	}
}

// serve says at start, in one WARN, that nmap is not on PATH (or not
// executable), as nmap's injects would each fail, ERROR exit 127: it
// registered nmap without a word. It serves nmap all the same, and says
// nothing when nmap is there. Not parallel: PATH is the process's.
func TestServeWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	reg, tests := preflightCases(t, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			p := openaevtest.NewPlatform(t, serveToken)
			d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "", "--injectors", "nmap,noop")
			startedOrExited(t, d, p)
			got := d.stderr.String()
			if len(p.Registrations()) == 0 {
				t.Fatalf("serve did not start:\n%s", got)
			}
			checkPreflightWarn(t, "serve", tt, got)
		})
	}
}

// validate says an inject for nmap is valid when nmap is not on PATH, as
// it is (exit 0), and adds one WARN on stderr that its run would fail
// until nmap is there, as serve's start does; nothing when nmap is on
// PATH. Not parallel: PATH is the process's.
func TestValidateWarnsOfAnInjectorThatCannotRun(t *testing.T) {
	reg, tests := preflightCases(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			r := run(t, reg, nil, "validate", "nmap", "--target", "127.0.0.1")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "valid: nmap on 1 network target") {
				t.Fatalf("exit %d, stdout %q, want 0 and valid:\n%s", r.code, r.stdout, r.stderr)
			}
			checkPreflightWarn(t, "validate", tt, r.stderr)
		})
	}
}

// validate -o json says in its verdict, as cannot_run, what the WARN says
// of an injector that cannot run here, for a script that reads stdout
// alone; it leaves the field out when the injector can run. Not parallel:
// PATH is the process's.
func TestValidateJSONSaysAnInjectorCannotRun(t *testing.T) {
	reg, tests := preflightCases(t, true)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			r := run(t, reg, nil, "validate", "nmap", "--target", "127.0.0.1", "-o", "json")
			if r.code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", r.code, r.stderr)
			}
			var v map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatalf("stdout %q: %v", r.stdout, err)
			}
			got, has := v["cannot_run"]
			switch {
			case tt.want == "" && has:
				t.Errorf("nmap on PATH, yet cannot_run is %q", got)
			case tt.want != "" && !has:
				t.Errorf("no cannot_run in %s, want one saying %q", r.stdout, tt.want)
			case tt.want != "" && !strings.Contains(fmt.Sprint(got), tt.want):
				t.Errorf("cannot_run %q, want it to say %q", got, tt.want)
			}
			checkPreflightWarn(t, "validate", tt, r.stderr)
		})
	}
}
