package cli_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// panicky panics in the method named by panics.
type panicky struct {
	frameworktest.Executor
	panics string
}

func (p *panicky) hit(method string) {
	if p.panics == method {
		panic("bug in " + method)
	}
}

func (p *panicky) ValidateTargets([]framework.Target) error {
	p.hit("ValidateTargets")
	return nil
}
func (p *panicky) Configure(map[string]string) error { p.hit("Configure"); return nil }
func (p *panicky) Close() error                      { p.hit("Close"); return nil }

// A panic of an injector's check or Close is reported like a panic of
// Execute: exit 3 with one line naming the injector and the method, never
// a Go stack trace; a check's panic fails the inject's signatures.
func TestPanickingChecksAreReported(t *testing.T) {
	tests := []struct {
		method string
		status string // the signatures' execution_status
	}{
		{"ValidateTargets", "failed"},
		{"Configure", "failed"},
		{"Close", "success"}, // delivered before Close
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("crash", func() framework.Executor { return &panicky{panics: tt.method} })
			})
			r := run(t, reg, nil, "run", "crash", "--target", "127.0.0.1", "--log-level", "warn")
			if r.code != cli.ExitFailed {
				t.Fatalf("exit %d, want %d: %s", r.code, cli.ExitFailed, r.stderr)
			}
			if want := "injector crash: " + tt.method + " panicked: bug in " + tt.method; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
			}
			if strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("stderr holds a stack trace:\n%s", r.stderr)
			}
			var body map[string]any
			_ = json.Unmarshal([]byte(r.stdout), &body)
			if v := bodyValues(t, body, 0); v["execution_status"] != tt.status {
				t.Errorf("values = %v, want execution_status %s", v, tt.status)
			}
		})
	}
}

func TestValidatePanickingCheckIsReported(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("crash", func() framework.Executor { return &panicky{panics: "Configure"} })
	})
	r := run(t, reg, nil, "validate", "crash", "--target", "127.0.0.1")
	if r.code != cli.ExitFailed || !strings.Contains(r.stderr, "injector crash: Configure panicked") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

// brokenManifest is an injector whose Manifest panics.
type brokenManifest struct{ frameworktest.Executor }

func (*brokenManifest) Manifest() framework.Manifest { panic("bug in Manifest") }

// brokenInjectors are factories of an injector that panics in its
// factory or in Manifest, by the method that panics.
func brokenInjectors() []struct {
	method  string
	factory framework.Factory
} {
	return []struct {
		method  string
		factory framework.Factory
	}{
		{"its factory", func() framework.Executor { panic("bug in its factory") }},
		{"Manifest", func() framework.Executor { return &brokenManifest{} }},
	}
}

// An injector whose factory or Manifest panics breaks only itself: every
// command works, `injectors` lists it as broken, and running, validating
// or showing it exits 3 with one line naming the injector and the method,
// never a Go stack trace.
func TestBrokenInjectorBreaksOnlyItself(t *testing.T) {
	brokens := brokenInjectors()
	commands := []struct {
		args []string
		code int
		out  string // what stdout holds
	}{
		{[]string{"--version"}, cli.ExitOK, "1.2.3"},
		{[]string{"--help"}, cli.ExitOK, "USAGE"},
		{[]string{"run", "--help"}, cli.ExitOK, "EXAMPLES"},
		{[]string{"injectors"}, cli.ExitOK, "crash"},
		{[]string{"injectors", "-o", "json"}, cli.ExitOK, `"broken": "injector crash: `},
		{[]string{"run", "noop", "--target", "127.0.0.1"}, cli.ExitOK, "expectation_signature"},
		{[]string{"run", "crash", "--target", "127.0.0.1"}, cli.ExitFailed, ""},
		{[]string{"run", "crash", "--target", "127.0.0.1", "--param", "x=1"}, cli.ExitFailed, ""},
		{[]string{"validate", "crash", "--target", "127.0.0.1"}, cli.ExitFailed, ""},
		{[]string{"injectors", "crash"}, cli.ExitFailed, ""},
	}
	for _, b := range brokens {
		for _, c := range commands {
			t.Run(b.method+"/"+strings.Join(c.args, " "), func(t *testing.T) {
				reg := registry(func(r *framework.Registry) { r.Register("crash", b.factory) })
				r := run(t, reg, nil, c.args...)
				if r.code != c.code || !strings.Contains(r.stdout, c.out) {
					t.Fatalf("exit %d, want %d; stdout does not hold %q:\n%s\nstderr:\n%s", r.code, c.code, c.out, r.stdout, r.stderr)
				}
				if strings.Contains(r.stderr, "goroutine ") {
					t.Errorf("stderr holds a stack trace:\n%s", r.stderr)
				}
				want := "injector crash: " + b.method + " panicked: bug in " + b.method
				if c.code == cli.ExitFailed && !strings.Contains(r.stderr, "injectkit: "+want) {
					t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
				}
				if c.args[0] == "injectors" && c.code == cli.ExitOK && !strings.Contains(r.stdout, want) {
					t.Errorf("the list does not say %q:\n%s", want, r.stdout)
				}
			})
		}
	}
}

// validate's one-line usage, in the application's list of commands,
// names every exit code its EXIT CODES section lists, but the interrupt's.
func TestValidateUsageNamesItsExitCodes(t *testing.T) {
	list := run(t, registry(), nil, "--help").stdout
	_, usage, _ := strings.Cut(list, "\n   validate ")
	usage, _, _ = strings.Cut(usage, "\n")
	help := run(t, registry(), nil, "validate", "--help").stdout
	_, codes, ok := strings.Cut(help, "EXIT CODES:\n")
	if !ok || usage == "" {
		t.Fatalf("no usage line or no EXIT CODES:\n%s\n%s", list, help)
	}
	codes, _, _ = strings.Cut(codes, "\n\n")
	for _, m := range regexp.MustCompile(`(?m)^ +([0-9]+)  (.*)$`).FindAllStringSubmatch(codes, -1) {
		if m[1] != "130" && !strings.Contains(usage, " "+m[1]+" (") {
			t.Errorf("the usage %q does not name exit %s (%s)", strings.TrimSpace(usage), m[1], m[2])
		}
	}
}

// serve asked to serve a broken injector exits 2 before contacting
// anything, naming the injector as broken and the panic's message, as
// `injectors` lists it; not as an unknown one.
func TestServeBrokenInjectorIsNamedBroken(t *testing.T) {
	base := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--outbox", "none"}
	selections := []struct {
		name  string
		args  []string
		env   map[string]string
		where string
	}{
		{"flag", []string{"--injectors", "crash"}, nil, "(--injectors)"},
		{"beside a working one", []string{"--injectors", "noop,crash"}, nil, "(--injectors)"},
		{"env", nil, map[string]string{"INJECTKIT_INJECTORS": "crash"}, "(env INJECTKIT_INJECTORS)"},
	}
	for _, b := range brokenInjectors() {
		for _, s := range selections {
			t.Run(b.method+"/"+s.name, func(t *testing.T) {
				reg := registry(func(r *framework.Registry) { r.Register("crash", b.factory) })
				r := run(t, reg, s.env, append(base, s.args...)...)
				if r.code != cli.ExitUsage {
					t.Fatalf("exit %d, want %d: %s", r.code, cli.ExitUsage, r.stderr)
				}
				panicMsg := "injector crash: " + b.method + " panicked: bug in " + b.method
				for _, want := range []string{`invalid injectors "crash" ` + s.where, "broken", panicMsg} {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
					}
				}
				if strings.Contains(r.stderr, "unknown injector") || strings.Contains(r.stderr, "goroutine ") {
					t.Errorf("stderr calls it unknown or holds a stack trace:\n%s", r.stderr)
				}
			})
		}
	}
}

// serve left to its default selection serves the working injectors and
// says which it leaves out as broken; an injector with a ParamsFactory and
// no Manifester registers its contract with its params.
func TestServeDefaultSelectionWarnsOfBroken(t *testing.T) {
	p := openaevtest.NewPlatform(t, serveToken)
	// No broker: the registration alone is looked at.
	p.SetBroker(openaevtest.Broker{Host: "127.0.0.1", Port: 1, VHost: "/", User: "u", Pass: "p", Queue: "q"})
	reg := registry(func(r *framework.Registry) {
		r.Register("bare", func() framework.Executor { return bare{} })
		r.Register("crash", brokenInjectors()[1].factory)
	})
	d := serveWith(t, reg, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--outbox", "none", "--log-format", "json")
	waitUntil(t, "a registration", func() bool { return len(p.Registrations()) > 0 })
	if code := d.Stop(t); code != 0 {
		t.Fatalf("exit %d: %s", code, d.stderr)
	}
	warned := jsonLogs(d.stderr.String(), "injector not served: broken")
	if len(warned) != 1 || !strings.Contains(fmt.Sprint(warned[0]["error"]), "injector crash: Manifest panicked") {
		t.Errorf("broken injector logged %v, want one WARN naming it", warned)
	}
	raw := string(p.Registrations()[0].Raw)
	for _, param := range []string{"port", "verbose", "wait"} {
		if !strings.Contains(raw, `\"key\":\"`+param+`\"`) {
			t.Errorf("the registered contract does not declare bare's param %q", param)
		}
	}
}
