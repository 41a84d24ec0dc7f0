package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// console is an in-memory stdout or stderr that says whether it is a
// terminal (cli.Terminal). Each write fires its Signal.
type console struct {
	testkit.Buffer
	tty bool
}

func newConsole(tty bool) *console { return &console{tty: tty} }

func (c *console) IsTerminal() bool { return c.tty }

// await returns once the console holds text, or ctx is done.
func (c *console) await(ctx context.Context, text string) {
	for {
		written := c.C() // taken before the check: no write is missed
		if strings.Contains(c.String(), text) {
			return
		}
		select {
		case <-written:
		case <-ctx.Done():
			return
		}
	}
}

// fastRetry is the first wait between the attempts of a test's requests
// (1 s in a real run): a backend answering 503 costs milliseconds.
const fastRetry = time.Millisecond

// session is one run of the application on consoles.
type session struct {
	ctx            context.Context
	env            map[string]string
	stdout, stderr *console
	hosts          *hostsResolver   // nil: one over testHosts
	now            func() time.Time // the ingestion window's clock (nil: time.Now)
}

func newSession(stdoutTTY, stderrTTY bool) *session {
	return &session{ctx: context.Background(), stdout: newConsole(stdoutTTY), stderr: newConsole(stderrTTY)}
}

func (s *session) run(t *testing.T, reg *framework.Registry, args ...string) result {
	t.Helper()
	o := cli.FastRetries(cli.Options{Registry: reg, Version: "1.2.3", Stdout: s.stdout, Stderr: s.stderr,
		Getenv: getenv(t, s.env), Environ: environ(s.env)}, fastRetry)
	if s.hosts == nil {
		s.hosts = newHostsResolver(t, testHosts)
	}
	o = cli.WithHosts(o, s.hosts.LookupHost)
	if s.now != nil {
		o = cli.WithClock(o, s.now)
	}
	code := cli.Run(s.ctx, o, append([]string{"injectkit"}, args...))
	return result{code, s.stdout.String(), s.stderr.String()}
}

// runAt is run with the clock of the ingestion window (the openaev
// profile's and the outbox's) at clock: whether a complete was sent within
// the window is told by the time the test sets, not by how long the
// machine took between two runs.
func runAt(t *testing.T, clock *testkit.Clock, reg *framework.Registry, env map[string]string, args ...string) result {
	t.Helper()
	s := newSession(false, false)
	s.env, s.now = env, clock.Now
	return s.run(t, reg, args...)
}

// newWindowClock returns a clock of the ingestion window a test moves by
// hand, far from the real time: a part of a command reading time.Now
// instead would see every note's window long passed.
func newWindowClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
}

// getenv is the environment env as Options.Getenv reads it, with a
// container IP and a state directory of the test's own (XDG_STATE_HOME)
// unless env gives them.
func getenv(t *testing.T, env map[string]string) func(string) string {
	state := t.TempDir()
	return func(k string) string {
		switch v, ok := env[k]; {
		case ok:
			return v
		case k == "CONTAINER_IP":
			return "172.17.0.2"
		case k == "XDG_STATE_HOME":
			return state
		}
		return ""
	}
}

// environ is the environment env as Options.Environ lists it: the
// command refuses an INJECTKIT_ variable it does not know.
func environ(env map[string]string) func() []string {
	return func() []string {
		var out []string
		for k, v := range env {
			out = append(out, k+"="+v)
		}
		return out
	}
}

// onConsoles runs the application with stdout and stderr each a terminal
// or not.
func onConsoles(t *testing.T, reg *framework.Registry, stdoutTTY, stderrTTY bool, args ...string) result {
	t.Helper()
	return newSession(stdoutTTY, stderrTTY).run(t, reg, args...)
}

// checkSays checks that text, which what names in a failure, holds each of
// want and none of never.
func checkSays(t *testing.T, what, text string, want, never []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
	for _, n := range never {
		if strings.Contains(text, n) {
			t.Errorf("%s says %q:\n%s", what, n, text)
		}
	}
}

// checkRefused checks that r is a refusal: exit 2, its stderr saying want,
// nothing on stdout.
func checkRefused(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != 2 || !strings.Contains(r.stderr, want) || r.stdout != "" {
		t.Errorf("exit %d, want 2 with %q and no stdout:\nstdout %q\nstderr %s", r.code, want, r.stdout, r.stderr)
	}
}

// checkNotShown checks that neither r's stdout nor its stderr holds any
// of secrets.
func checkNotShown(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("%q is shown:\nstdout %s\nstderr %s", s, r.stdout, r.stderr)
		}
	}
}

// checkAcceptedOrRefused checks that r is accepted (exit 0) when want is
// empty, else refused saying want (checkRefused).
func checkAcceptedOrRefused(t *testing.T, r result, want string) {
	t.Helper()
	if want == "" {
		if r.code != 0 {
			t.Errorf("exit %d, want 0:\n%s", r.code, r.stderr)
		}
		return
	}
	checkRefused(t, r, want)
}

// checkExitSays checks that r exited code and that its stdout (exit 0) or
// its stderr (any other) says want.
func checkExitSays(t *testing.T, r result, code int, want string) {
	t.Helper()
	out := r.stdout
	if code != 0 {
		out = r.stderr
	}
	if r.code != code || !strings.Contains(out, want) {
		t.Errorf("exit %d, want %d with %q:\nstdout %s\nstderr %s", r.code, code, want, r.stdout, r.stderr)
	}
}

// withoutTimes replaces the times of wire bodies, so that two runs compare.
func withoutTimes(s string) string { return times.ReplaceAllString(s, `"T"`) }

// withExecutor returns a registry with noop and an injector named name
// running run.
func withExecutor(name string, run func(context.Context, *framework.Inject) framework.ToolOutput) *framework.Registry {
	return registry(func(r *framework.Registry) {
		r.Register(name, func() framework.Executor { return &frameworktest.Executor{Run: run} })
	})
}

// idle is the Execute of a test's own injector that is never meant to
// find anything: it returns no output.
type idle struct{}

func (idle) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}

// withFake returns a registry with noop and the executor e registered as
// name, the same e for each inject: a fake whose calls the test reads, or
// an injector of the test's own holding no state.
func withFake(name string, e framework.Executor) *framework.Registry {
	return registry(func(r *framework.Registry) { r.Register(name, func() framework.Executor { return e }) })
}
