package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// stdout carries the wire JSON unless it is a terminal (or --output text
// asks for the summary); --output json forces the JSON on a terminal.
func TestRunOutputFollowsTheTerminal(t *testing.T) {
	args := []string{"run", "noop", "--inject-id", "out-1", "--target", "127.0.0.1", "--target", "web.example.com", "--log-level", "error"}
	json := onConsoles(t, registry(), false, false, args...)
	if json.code != 0 || strings.Count(json.stdout, "\n") != 1 || !strings.HasPrefix(json.stdout, `{"phase":"execution_complete","expectation_signature":`) {
		t.Fatalf("not a terminal: exit %d, stdout %q, stderr %s", json.code, json.stdout, json.stderr)
	}
	tests := []struct {
		name      string
		stdoutTTY bool
		flags     []string
		summary   bool
	}{
		{"terminal", true, nil, true},
		{"terminal, -o json", true, []string{"-o", "json"}, false},
		{"terminal, --output json", true, []string{"--output", "json"}, false},
		{"pipe, --output text", false, []string{"--output", "text"}, true},
		{"pipe, --output json", false, []string{"--output", "json"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := onConsoles(t, registry(), tt.stdoutTTY, false, append(args, tt.flags...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if !tt.summary {
				// The same bytes as without a terminal, but for the times.
				if withoutTimes(r.stdout) != withoutTimes(json.stdout) {
					t.Errorf("stdout:\n%s\nwant, as on a pipe:\n%s", r.stdout, json.stdout)
				}
				return
			}
			want := "noop: success · 2 targets · "
			if !strings.HasPrefix(r.stdout, want) || strings.Contains(r.stdout, "{") {
				t.Errorf("stdout is no summary:\n%s", r.stdout)
			}
			for _, line := range []string{"\n  127.0.0.1        success\n", "\n  web.example.com  success\n",
				"\n  findings:\n      summary: noop: 2 target(s), outcome success\n",
				"\nsignatures not sent: no --backend-url (-o json prints them)\n"} {
				if !strings.Contains(r.stdout, line) {
					t.Errorf("summary lacks %q:\n%s", line, r.stdout)
				}
			}
		})
	}
	if r := onConsoles(t, registry(), true, false, append(args, "-o", "yaml")...); r.code != 2 || !strings.Contains(r.stderr, `invalid output "yaml" (--output): want text or json`) {
		t.Errorf("-o yaml: exit %d, stderr %s", r.code, r.stderr)
	}
}

// The summary's last line says where the signatures went; exit codes are
// those of a run without it.
func TestRunSummarySaysWhereTheSignaturesWent(t *testing.T) {
	ok, rejected := newBackend(t, http.StatusOK), newBackend(t, http.StatusBadRequest)
	tests := []struct {
		name  string
		args  []string
		code  int
		where string
	}{
		{"printed", nil, 0, "signatures not sent: no --backend-url (-o json prints them)"},
		{"delivered", []string{"--backend-url", ok.URL + "/", "--token", "t"}, 0,
			"signatures delivered to " + ok.URL + "/api/injects/inj%2F1/callback"},
		{"delivered, openaev", []string{"--backend-url", ok.URL, "--token", "t", "--profile", "openaev", "--openaev-version", "3.260821.0"}, 0,
			"result delivered to the OpenAEV platform at " + ok.URL + "; no expectation signatures: no target names an asset, agent or asset group"},
		{"delivered, openaev 2.4.0", []string{"--backend-url", ok.URL, "--token", "t", "--profile", "openaev", "--openaev-version", "2.4.0"}, 0,
			"result delivered to the OpenAEV platform at " + ok.URL + "; no expectation signatures: the platform's 2.4.0 predates them"},
		{"dead list", []string{"--backend-url", rejected.URL, "--token", "t"}, 1,
			`signatures not delivered: 1 signature body rejected by the backend (status 400: "{\"error\":\"nope\"}"), kept in the dead list of outbox`},
		{"no outbox", []string{"--backend-url", rejected.URL, "--token", "t", "--outbox", "none"}, 1,
			"signatures NOT delivered: deliver signatures:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The callback profile escapes a '/' into its path; the openaev
			// profile refuses one (OpenAEV's HTTP firewall answers it 400).
			id := "inj/1"
			if slices.Contains(tt.args, "openaev") {
				id = "inj-1"
			}
			args := append([]string{"run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--log-level", "error"}, tt.args...)
			r := onConsoles(t, registry(), true, false, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, tt.where) {
				t.Errorf("last line %q, want %q…\n%s", last, tt.where, r.stdout)
			}
		})
	}
}

// With the openaev profile, the bodies a run keeps are its terminal
// callback's, counted as such on stderr and in the summary's last line: a
// complete that carries no signatures (no target names an asset) is no
// signature body.
func TestRunStoredTerminalCallbackCountedAsSuch(t *testing.T) {
	const id = "inj-kept"
	p := noopPlatform(t, id)
	p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
	s := newSession(true, false)
	s.env, _ = outboxEnv(t)
	r := s.run(t, registry(), "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--log-level", "error")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
	}
	if c, ok := p.Terminal(id); ok {
		t.Fatalf("a complete was processed: %+v", c)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for what, text := range map[string]string{"stderr": r.stderr, "summary": lines[len(lines)-1]} {
		if !strings.Contains(text, "1 terminal callback body stored in outbox ") || strings.Contains(text, "signature bod") {
			t.Errorf("%s does not count the complete kept as a terminal callback body:\n%s", what, text)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "result not delivered: ") {
		t.Errorf("last line %q, want result not delivered: …", last)
	}
}

// A platform message runs with the openaev profile, --profile openaev or
// not: the summary names the platform it reported to, not the callback
// profile's route.
func TestRunSummaryOfAnOpenAEVMessageNamesThePlatform(t *testing.T) {
	msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-sum","inject_injector_contract":{"injector_contract_id":"c5df9442-3be3-5c6d-8cf5-31a58dabebfb"},
		"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`)
	tests := []struct {
		name string
		args []string
	}{
		{"--openaev-message", []string{"--openaev-message", msg}},
		{"--openaev-message, --profile openaev", []string{"--openaev-message", msg, "--profile", cli.ProfileOpenAEV}},
		{"openaev_message in the config file", []string{"--config", writeFile(t, "c.yaml", "openaev_message: "+msg+"\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := noopPlatform(t, "inj-sum") // each run's own inject: a finished one is not run again
			args := append([]string{"run", "noop", "--backend-url", p.URL, "--token", platformToken, "--outbox", "none",
				"--log-level", "error"}, tt.args...)
			r := onConsoles(t, registry(), true, false, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if last, want := lines[len(lines)-1], "result delivered to the OpenAEV platform at "+p.URL; !strings.HasPrefix(last, want) {
				t.Errorf("last line %q, want %q…\n%s", last, want, r.stdout)
			}
		})
	}
}

// portscanRegistry runs portscan, an nmap-shaped injector (serve_test.go).
func portscanRegistry() *framework.Registry { return serveRegistry() }

// Findings appear in the summary of both profiles.
func TestRunSummaryShowsFindingsInBothProfiles(t *testing.T) {
	for _, profile := range []string{cli.ProfileCallback, cli.ProfileOpenAEV} {
		t.Run(profile, func(t *testing.T) {
			r := onConsoles(t, portscanRegistry(), true, false, "run", "portscan", "--target", "127.0.0.1", "--target", "::1",
				"--profile", profile, "--log-level", "error")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			// Its rows have the platform's portscan shape: no protocol, no
			// target, matched by host.
			for _, want := range []string{"portscan: success · 2 targets", "\n  127.0.0.1  1 open port\n      22 open ssh\n",
				"\n  ::1        1 open port\n      22 open ssh\n"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("summary lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

// Exit 3: the outcome was failed or timeout (an interrupt included), the
// signatures delivered or printed, with one WARN line; a failed delivery
// is still 1.
func TestRunExitCodeOfTheOutcome(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := withExecutor("wait", func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		in.Partial("127.0.0.1:22/tcp open ssh")
		cancel() // Ctrl-C, once running
		<-ctx.Done()
		return framework.ToolOutput{}
	})
	rejected := newBackend(t, http.StatusBadRequest)
	tests := []struct {
		name   string
		ctx    context.Context
		args   []string
		code   int
		status string
		warn   string
	}{
		{"success", context.Background(), []string{"noop"}, 0, "success", ""},
		{"partial", context.Background(), []string{"noop", "--param", "outcome=partial"}, 0, "partial", ""},
		{"failed", context.Background(), []string{"noop", "--param", "outcome=failed"}, 3, "failed",
			`WARN	inject failed; its signatures report the failure	{"inject_id": "x", "injector": "noop", "status": "failed", "exit_status": 3, "error": "noop: failure requested"}`},
		{"deadline", context.Background(), []string{"noop", "--param", "delay=1h", "--timeout", "0.01"}, 3, "timeout",
			`WARN	inject timed out or was interrupted; its signatures report the timeout	{"inject_id": "x", "injector": "noop", "status": "timeout", "exit_status": 3, "partial_results": 1}`},
		{"interrupted", ctx, []string{"wait"}, 3, "timeout", `"status": "timeout", "exit_status": 3, "partial_results": 1}`},
		{"failed and not delivered", context.Background(), []string{"noop", "--param", "outcome=failed", "--backend-url", rejected.URL,
			"--token", "t"}, 1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession(false, false)
			s.ctx = tt.ctx
			r := s.run(t, reg, append(append([]string{"run"}, tt.args...), "--inject-id", "x", "--target", "127.0.0.1", "--log-level", "warn")...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			if tt.status != "" && !strings.Contains(r.stdout, `"signature_type":"execution_status","signature_value":"`+tt.status+`"`) {
				t.Errorf("stdout does not carry status %s: %s", tt.status, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.warn) || (tt.warn == "" && tt.code == 0 && r.stderr != "") {
				t.Errorf("stderr %q, want %q", r.stderr, tt.warn)
			}
			if strings.Contains(r.stderr, "injectkit: exit status") {
				t.Errorf("exit 3 printed an error line: %s", r.stderr)
			}
		})
	}
}

// A failed run's log lines keep the tool's exit code and injectkit's
// exit status apart: the executed line's exit_code is the injector's
// (127, nmap not found), the WARN's exit_status the CLI's (3).
func TestRunFailureLogKeys(t *testing.T) {
	reg := withExecutor("tool", func(context.Context, *framework.Inject) framework.ToolOutput {
		return framework.ToolOutput{Status: framework.StatusFailed,
			ErrorInfo: &framework.ErrorInfo{ExitCode: 127, Message: "tool not found"}}
	})
	r := newSession(false, false).run(t, reg, "run", "tool", "--inject-id", "x", "--target", "127.0.0.1")
	if r.code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d: %s", r.code, cli.ExitFailed, r.stderr)
	}
	lines := map[string]string{}
	for _, l := range strings.Split(r.stderr, "\n") {
		for _, msg := range []string{"\texecuted\t", "\tinject failed; "} {
			if strings.Contains(l, msg) {
				lines[msg] = l
			}
		}
	}
	if l := lines["\texecuted\t"]; !strings.Contains(l, `"exit_code": 127`) || strings.Contains(l, "exit_status") {
		t.Errorf("executed line %q, want the tool's exit_code 127", l)
	}
	if l := lines["\tinject failed; "]; !strings.Contains(l, fmt.Sprintf(`"exit_status": %d`, cli.ExitFailed)) || strings.Contains(l, "exit_code") {
		t.Errorf("inject failed line %q, want exit_status %d and no exit_code", l, cli.ExitFailed)
	}
}

var logStart = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t(INFO|WARN|ERROR)\t`)

// A terminal's stderr shows the progress of any injector: redrawn while it
// runs, one line when it is done; a stderr that is not a terminal gets
// the log lines only.
func TestRunProgressOnATerminal(t *testing.T) {
	s := newSession(false, true)
	reg := withExecutor("scan", func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
		in.Partial("10.0.0.1:22/tcp open ssh")
		// Returns once the progress line showed the result.
		s.stderr.await(ctx, "scan: running · 1/2 targets reported · 1 result · ")
		return framework.ToolOutput{}
	})
	r := s.run(t, reg, "run", "scan", "--target", "10.0.0.1", "--target", "10.0.0.2")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "\r\x1b[Kscan: done in ") || !strings.Contains(r.stderr, " · 1/2 targets reported · 1 result\n") {
		t.Errorf("stderr lacks the last progress line:\n%q", r.stderr)
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		// A log line starts its line, or follows the clearing of the
		// progress line: never after the progress text.
		if m := logStart.FindStringIndex(line); m != nil && m[0] > 0 && !strings.HasSuffix(line[:m[0]], "\r\x1b[K") {
			t.Errorf("a log line shares its line with the progress: %q", line)
		}
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &body); err != nil {
		t.Errorf("stdout is no longer the JSON body: %v\n%s", err, r.stdout)
	}

	quiet := onConsoles(t, registry(), false, false, "run", "noop", "--target", "10.0.0.1", "--param", "delay=0.01")
	if quiet.code != 0 || strings.Contains(quiet.stderr, "\x1b[") || strings.Contains(quiet.stderr, "done in") {
		t.Errorf("progress on a stderr that is not a terminal:\n%q", quiet.stderr)
	}
	dumb := newSession(false, true)
	dumb.env = map[string]string{"TERM": "dumb"}
	if d := dumb.run(t, registry(), "run", "noop", "--target", "10.0.0.1", "--param", "delay=0.01"); d.code != 0 || strings.Contains(d.stderr, "\x1b[") {
		t.Errorf("escape codes on a dumb terminal:\n%q", d.stderr)
	}
}

// A send that fails after the backend accepted some bodies prints only
// the signatures of the others, with or without an outbox too full to
// keep them.
func TestRunPrintsOnlyUndeliveredSignatures(t *testing.T) {
	full := filepath.Join(t.TempDir(), "full.db")
	for _, box := range [][]string{{"--outbox", "none"}, {"--outbox", full, "--outbox-max-bytes", crampOutbox(t, full)}} {
		// One target a body: the first accepted, the second refused for good.
		be := transporttest.NewScriptedBackend(t, transporttest.Reply{}, transporttest.Reply{Status: http.StatusBadRequest})
		r := run(t, registry(), nil, append([]string{"run", "noop", "--inject-id", "i", "--backend-url", be.URL, "--max-payload-size", "700",
			"--target", "127.0.0.1", "--target", "127.0.0.2", "--target", "127.0.0.3", "--log-level", "error"}, box...)...)
		_, line, ok := strings.Cut(r.stderr, "undelivered signatures: ")
		line, _, _ = strings.Cut(line, "\n")
		var doc struct {
			Delivered  []int `json:"chunks_delivered"`
			Signatures struct {
				Targets []struct {
					Values []struct {
						Values []map[string]any `json:"values"`
					} `json:"signature_values"`
				} `json:"targets"`
			} `json:"expectation_signature"`
		}
		if r.code != 1 || !ok || json.Unmarshal([]byte(line), &doc) != nil {
			t.Fatalf("%v: exit %d, want 1 and the undelivered signatures; stderr %s", box, r.code, r.stderr)
		}
		var printed []any
		for _, tg := range doc.Signatures.Targets {
			for _, v := range tg.Values[0].Values {
				if v["signature_type"] == "target_ipv4" {
					printed = append(printed, v["signature_value"])
				}
			}
		}
		if !slices.Equal(doc.Delivered, []int{0}) || !slices.Equal(printed, []any{"127.0.0.2", "127.0.0.3"}) {
			t.Errorf("%v: printed chunks_delivered %v and targets %v, want [0] and the last two", box, doc.Delivered, printed)
		}
	}
}
