package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

const (
	token      = "hello-test-token"
	injectorID = "0b5e3a7c-2d4f-4e6a-9c1b-7f8e9d0a1b2c"
)

// TestConformance checks hello against the executor contract, alone and
// as the binary's registry builds it.
func TestConformance(t *testing.T) {
	frameworktest.Conformance(t, Hello{})
	frameworktest.RegistryConformance(t, registry(nil), "hello", frameworktest.Options{
		Targets: []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
			signatures.NetworkConfig{TargetHostname: "localhost"}},
		Params: map[string]any{"style": "shout", "limit": 1, "pause": 0.01},
	})
}

// TestManifestOnThePlatform checks the manifest as the platform's
// registration does, for each line it supports.
func TestManifestOnThePlatform(t *testing.T) {
	v24, err := openaev.ParseVersion("2.4.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []openaev.PlatformVersion{{Current: true}, v24} {
		if err := openaev.ValidateManifest(Hello{}.Manifest(), v); err != nil {
			t.Errorf("OpenAEV %s: %v", v, err)
		}
	}
}

// TestExecute calls Execute directly, as a unit test: a limit below the
// number of targets makes a partial run.
func TestExecute(t *testing.T) {
	in := frameworktest.Inject(t, Hello{}, signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
		signatures.NetworkConfig{TargetHostname: "localhost"})
	in.Params.(*Params).Limit = 1
	out := Hello{}.Execute(context.Background(), in)
	if out.Status != framework.StatusPartial || !slices.Equal(in.PartialResults(), []string{"hello 127.0.0.1"}) {
		t.Errorf("status %q, partial results %q", out.Status, in.PartialResults())
	}
}

// TestExecuteNotGreeted checks what Execute returns when it greets fewer
// than all of its targets, cut short or past its limit: the greeted ones
// keep their extras, the others are unreached, saying why.
func TestExecuteNotGreeted(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	const cut = "not greeted: the run was cut short first"
	for _, tt := range []struct {
		name    string
		ctx     context.Context
		limit   int
		reasons []string // of the targets after the first
	}{
		// The pause never ends: only the cancellation lets Execute go on.
		{"cut short", cancelled, 0, []string{cut, cut, cut}},
		{"past the limit", context.Background(), 1, slices.Repeat([]string{"not greeted: past the limit of 1"}, 3)},
		// Tester t107: a target past the limit says so, the run cut short
		// before it or not.
		{"cut short before the limit", cancelled, 3, []string{cut, cut, "not greeted: past the limit of 3"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			targets := []signatures.Config{signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
				signatures.NetworkConfig{TargetIPv4: "127.0.0.2"}, signatures.NetworkConfig{TargetIPv4: "127.0.0.3"},
				signatures.NetworkConfig{TargetIPv4: "127.0.0.4"}}
			in := frameworktest.Inject(t, Hello{}, targets...)
			in.Params.(*Params).Pause, in.Params.(*Params).Limit = time.Hour, tt.limit
			out := Hello{}.Execute(tt.ctx, in)
			first := in.Targets[0]
			if g := out.TargetExtras[first][framework.Detection]["greeting"]; g != "hello 127.0.0.1" ||
				out.ExtraSignatures["process_name"] != "hello" {
				t.Errorf("greeted target's extras %v, run's %v; want its greeting and process_name", out.TargetExtras[first], out.ExtraSignatures)
			}
			if _, ok := out.Unreached[first]; ok {
				t.Errorf("greeted target unreached: %v", out.Unreached)
			}
			for i, u := range in.Targets[1:] {
				if out.Unreached[u] != tt.reasons[i] || out.TargetExtras[u] != nil {
					t.Errorf("%v: unreached %q, extras %v; want unreached %q, no extras", u.Config, out.Unreached[u], out.TargetExtras[u], tt.reasons[i])
				}
			}
			if err := out.Validate(); err != nil {
				t.Errorf("output: %v", err)
			}
		})
	}
}

// TestParams decodes params as the runtime does: strictly, durations in
// Go notation or bare seconds, then Validate.
func TestParams(t *testing.T) {
	for _, tt := range []struct {
		raw   map[string]any
		field string // the field the error names; "" when valid
	}{
		{map[string]any{"pause": 90}, ""}, // seconds
		{map[string]any{"pause": "1m30s", "style": "shout"}, ""},
		{map[string]any{"style": "whisper"}, "params.style"},
		{map[string]any{"greeting": " "}, "params.greeting"},
		{map[string]any{"limit": -1}, "params.limit"},
		{map[string]any{"pause": -5}, "params.pause"},
		{map[string]any{"volume": 11}, "params.volume"},
	} {
		p, err := framework.DecodeParams(Hello{}, tt.raw)
		var ve *signatures.ValidationError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%v: %v", tt.raw, err)
		case tt.field == "" && p.(*Params).Pause != 90*time.Second:
			t.Errorf("%v: pause %s, want 1m30s", tt.raw, p.(*Params).Pause)
		case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field):
			t.Errorf("%v: error %v, want one on %s", tt.raw, err, tt.field)
		}
	}
}

// TestNamesItself checks that the binary calls itself hello, never
// injectkit: in its version, help, errors and hints, and User-Agent.
func TestNamesItself(t *testing.T) {
	backend := transporttest.NewBackend(t)
	for _, tt := range []struct {
		args         []string
		code         int
		stdout, logs string
	}{
		{[]string{"--version"}, 0, "hello 1.0.0 (", ""},
		{[]string{"--help"}, 0, "hello - greet the targets", ""},
		{[]string{"rn"}, 2, "", "hello: hint: did you mean hello run?"},
		{[]string{"run", "helo", "--target", "127.0.0.1", "--log-level", "error"}, 2, "", "hello: hint: did you mean hello?"},
		{[]string{"run", "hello", "--target", "127.0.0.1", "--inject-id", "i-1", "--backend-url", backend.URL, "--outbox", "none",
			"--log-level", "error"}, 0, "", ""},
	} {
		o, stderr := options(t)
		code := cli.Run(context.Background(), o, append([]string{"hello"}, tt.args...))
		stdout := o.Stdout.(fmt.Stringer).String()
		if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr.String(), tt.logs) ||
			strings.Contains(stdout+stderr.String(), "injectkit ") {
			t.Errorf("%v: exit %d\n%s%s", tt.args, code, stdout, stderr)
		}
	}
	reqs := backend.Requests()
	if len(reqs) == 0 {
		t.Error("no request reached the backend")
	}
	for _, r := range reqs {
		if ua := r.Header.Get("User-Agent"); ua != "hello-injector/1.0.0" {
			t.Errorf("User-Agent %q, want hello-injector/1.0.0", ua)
		}
	}
}

// TestOpenAEV runs hello with `--profile openaev` against the strict
// platform stand-in of each line, and asserts what the platform made of
// the terminal callback: processed, never merely answered 200.
func TestOpenAEV(t *testing.T) {
	for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
		for _, tt := range []struct {
			name, status, message string
			params                map[string]any
			args                  []string
		}{
			{"success", "SUCCESS", "hello on 2 targets: succeeded", nil, nil},
			{"partial", "SUCCESS", "partially succeeded: greeted 1 of 2 targets", map[string]any{"limit": 1}, nil},
			{"timeout", "TIMEOUT", "timed out with 1 partial result: hello 127.0.0.1",
				map[string]any{"pause": 30}, []string{"--timeout", "1s"}},
		} {
			t.Run(v.String()+"/"+tt.name, func(t *testing.T) {
				p := platform(t, v)
				code, logs := runOpenAEV(t, p, tt.params, tt.args...)
				// 0, or 3 where the CLI reports a timed-out outcome.
				if code != cli.ExitOK && !(tt.status == "TIMEOUT" && code == 3) {
					t.Fatalf("exit %d\n%s", code, logs)
				}
				done := terminal(t, p, "inj-1", logs)
				msg, _ := done.Body["execution_message"].(string)
				if done.Body["execution_status"] != tt.status || !strings.Contains(msg, tt.message) {
					t.Errorf("terminal %v %q, want %s containing %q", done.Body["execution_status"], msg, tt.status, tt.message)
				}
				if bad := p.CollectorBreaking(); len(bad) > 0 {
					t.Errorf("signature types no collector can read: %v", bad)
				}
				if tt.name == "success" {
					checkSuccess(t, p, v, "inj-1", "127.0.0.1")
				}
			})
		}
	}
}

// runOpenAEV runs `hello run hello --profile openaev` against p, on an
// inject file of two targets, and returns the exit code and the logs.
func runOpenAEV(t *testing.T, p *openaevtest.Platform, params map[string]any, flags ...string) (int, fmt.Stringer) {
	t.Helper()
	p.AddInject("inj-1", openaev.ContractID("hello"))
	o, stderr := options(t)
	args := append([]string{"hello", "run", "hello", "--profile", "openaev", "--backend-url", p.URL,
		"--token", token, "--inject-file", injectFile(t, "inj-1", params)}, flags...)
	return cli.Run(context.Background(), o, args), stderr
}

// TestServe runs `hello serve` over a real RabbitMQ broker: the platform
// queues a message for hello's contract, the daemon runs it and the
// terminal callback is processed.
func TestServe(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	p := platform(t, openaevtest.Current)
	queue := servetest.PlatformQueue(t, p) // skips the test when no broker can be had
	p.AddInject("inj-2", openaev.ContractID("hello"))
	servetest.Publish(t, queue, message("inj-2"))

	o, stderr := options(t)
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Run(ctx, o, []string{"hello", "serve", "--openaev-url", p.URL, "--token", token,
			"--injector-id", injectorID, "--listen-addr", "", "--workers", "1"})
	}()
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := p.WaitTerminal(wait, "inj-2")
	stop()
	if code := <-exited; code != 0 || err != nil {
		t.Fatalf("serve exited %d, terminal callback: %v\n%s", code, err, stderr)
	}
	terminal(t, p, "inj-2", stderr)
	if ready, consumers := servetest.Counts(t, queue); ready != 0 || consumers != 0 {
		t.Errorf("queue: %d ready, %d consumers; want the message acknowledged", ready, consumers)
	}
	checkSuccess(t, p, openaevtest.Current, "inj-2", "192.0.2.10")
}

// terminal returns the inject's terminal callback, and fails the test
// unless the platform processed it: a 200 alone proves nothing, as the
// platform answers 200 to a callback it drops afterwards.
func terminal(t *testing.T, p *openaevtest.Platform, id string, logs fmt.Stringer) openaevtest.Call {
	t.Helper()
	done, ok := p.Terminal(id)
	if !ok || !done.Processed() {
		t.Fatalf("terminal callback of %s: accepted %v, %s: %s\n%s", id, ok, done.Outcome, done.Reason, logs)
	}
	return done
}

// checkSuccess asserts what the platform holds after a successful run
// whose first target is the IPv4 address addr on asset-1.
func checkSuccess(t *testing.T, p *openaevtest.Platform, v openaevtest.Version, id, addr string) {
	t.Helper()
	if d := p.Dropped(); len(d) > 0 {
		t.Fatalf("callback dropped: %s", d[0].Reason)
	}
	// Both lines know the ipv4 output type: the finding comes as a list.
	var want any = []any{addr}
	if got := p.Findings(id)["greeted_ipv4"]; !equalJSON(got, want) {
		t.Errorf("greeted_ipv4 finding %v, want %v", got, want)
	}
	sigs := p.Signatures(id)
	if v == openaevtest.Version24 {
		if len(sigs) > 0 {
			t.Errorf("2.4.x stored signatures: %v", sigs)
		}
		return
	}
	var types []string
	for _, s := range sigs["DETECTION"] {
		if s.Asset == "asset-1" {
			types = append(types, s.Type+"="+s.Value)
		}
	}
	if !slices.Contains(types, "process_name=hello") {
		t.Errorf("DETECTION signatures of asset-1 %v lack process_name=hello", types)
	}
	for _, typ := range types {
		// hello sends nothing to its target (no framework.DirectSender):
		// no target address for a collector to match.
		if strings.HasPrefix(typ, "target_ipv4_address=") {
			t.Errorf("DETECTION signatures of asset-1 hold %s (%s): hello sends nothing there", typ, addr)
		}
		if strings.HasPrefix(typ, "greeting=") {
			t.Errorf("extra %s sent as a signature: not a collector signature type", typ)
		}
	}
}

// platform starts a strict stand-in of version v and registers hello's
// contract on it, as `hello serve` would, so that the platform knows its
// outputs.
func platform(t *testing.T, v openaevtest.Version) *openaevtest.Platform {
	t.Helper()
	p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v))
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token, InjectorID: injectorID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(context.Background(), []framework.Manifest{Hello{}.Manifest()}, false); err != nil {
		t.Fatalf("register: %v", err)
	}
	return p
}

// options runs the command line in memory, with the binary's options and
// an environment of its own (the outbox under a temporary directory), and
// returns its stderr.
func options(t *testing.T) (cli.Options, *buffer) {
	state, stderr := t.TempDir(), &buffer{}
	o := appOptions(nil)
	o.Stdout, o.Stderr = &buffer{}, stderr
	o.Getenv = func(k string) string {
		if k == "XDG_STATE_HOME" {
			return state
		}
		return ""
	}
	return o, stderr
}

// injectFile writes an inject file: two targets, the first on an asset
// with an agent, the second a manual one.
func injectFile(t *testing.T, id string, params map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"inject_id": id, "injector": "hello",
		"expectation_types": []string{"DETECTION", "PREVENTION"}, "params": params,
		"targets": []map[string]any{{"value": "127.0.0.1", "asset": "asset-1", "agent": "agent-1"}, {"value": "::1"}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "inject.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// buffer is an io.Writer safe for the concurrent writes of a command's
// logs.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// message is the platform's queue message for an inject of hello's
// contract on asset-1, with a contract field for the greeting param.
func message(id string) []byte {
	return openaevtest.Message(openaevtest.QueuedInject{ID: id, Title: "say hello", ContractID: openaev.ContractID("hello"),
		Content: map[string]any{"target_selector": "assets", "target_property_selector": "automatic",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}}, "greeting": "hello"},
		Assets: []map[string]any{{"asset_id": "asset-1", "asset_name": "web", "asset_ips": []string{"192.0.2.10"},
			"asset_agents": []map[string]any{{"agent_id": "agent-1"}}}},
	})
}

func equalJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
