package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// jsonExitLines checks that every line of stderr is a JSON log line and
// returns those saying the command exits on an error (cli.ExitMessage) or
// that its stdout was not written.
func jsonExitLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var exits []map[string]any
	for line := range strings.Lines(stderr) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("a stderr line is not JSON (%v): %s", err, line)
			continue
		}
		if m["msg"] == cli.ExitMessage || m["msg"] == "stdout not written" {
			exits = append(exits, m)
		}
	}
	return exits
}

// Under --log-format json (INJECTKIT_LOG_FORMAT=json, or the config
// file's log_format: json) every line run, validate and the outbox
// commands write on stderr is a JSON log line, the one they exit with
// included, as serve's: an ERROR "exiting on an error" with exit_code,
// error and, when there is one, hint. It was a plain "injectkit: …" line,
// the one line a log pipeline could not parse, and the one saying why the
// command failed. A console log keeps the plain lines.
func TestExitLineIsJSONUnderJSONLogs(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	dir := t.TempDir()
	box := filepath.Join(dir, "outbox.db")
	conf := writeFile(t, "c.yaml", "log_format: json\ntarget: [10.0.0.0/8]\n")
	logConf := writeFile(t, "l.yaml", "log_format: json\n")
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		stdout io.Writer // nil: a buffer
		code   int
		want   string // in the error (the JSON line's, or the plain line's)
		hint   string // in the hint, when there is one
		json   bool
		dump   bool // the signatures not delivered are on stderr
	}{
		{name: "run, invalid setting", args: []string{"run", "noop", "--target", "10.0.0.1", "--timeout", "0", "--log-format", "json"},
			code: cli.ExitUsage, want: `invalid timeout "0" (--timeout): must be positive`, json: true},
		{name: "run, format from the config file", args: []string{"run", "noop", "--config", conf},
			code: cli.ExitUsage, want: `invalid target "10.0.0.0/8" (config file ` + conf + `:2)`, json: true},
		{name: "run, unknown flag, format from the environment in upper case", env: map[string]string{"INJECTKIT_LOG_FORMAT": "JSON"},
			args: []string{"run", "noop", "--timout", "3"}, code: cli.ExitUsage, want: "flag provided but not defined: --timout",
			hint: "did you mean --timeout?", json: true},
		{name: "run, backend down", env: map[string]string{"INJECTKIT_TOKEN": "tok-t183-exit-json"},
			args: []string{"run", "noop", "--target", "10.0.0.1", "--backend-url", down.URL, "--inject-id", "i1", "--outbox", box, "--log-format", "json"},
			code: cli.ExitDelivery, want: "1 signature body stored in outbox " + box, hint: "INJECTKIT_TOKEN", json: true},
		{name: "validate, stdout not written", args: []string{"validate", "noop", "--target", "10.0.0.1", "--log-format", "json"},
			stdout: fullWriter{}, code: cli.ExitDelivery, want: "stdout not written: ", json: true},
		{name: "run, stdout not written", args: []string{"run", "noop", "--target", "10.0.0.1", "--outbox", "none", "--log-format", "json"},
			stdout: fullWriter{}, code: cli.ExitDelivery, want: "stdout not written: ", json: true, dump: true},
		{name: "run, backend down, no outbox", env: map[string]string{"INJECTKIT_TOKEN": "tok-t183-exit-json"},
			args: []string{"run", "noop", "--target", "10.0.0.1", "--backend-url", down.URL, "--inject-id", "i2", "--outbox", "none", "--log-format", "json"},
			code: cli.ExitDelivery, want: "deliver signatures: callback failed after 4 attempts: status 503", json: true, dump: true},
		// An inject that failed says so in its WARN line: no exit line.
		{name: "run, inject failed", args: []string{"run", "noop", "--target", "10.0.0.1", "--param", "outcome=failed", "--log-format", "json"},
			code: cli.ExitFailed, json: true},
		{name: "validate, invalid target", args: []string{"validate", "noop", "--target", "10.0.0.0/8", "--log-format", "json"},
			code: cli.ExitUsage, want: `invalid --target "10.0.0.0/8"`, json: true},
		{name: "outbox drop, invalid id", args: []string{"outbox", "drop", "017", "--outbox", box, "--log-format", "json"},
			code: cli.ExitUsage, want: `invalid id "017"`, json: true},
		// The outbox commands' exit line ignored a config file's
		// log_format (forty-seventh session).
		{name: "outbox drop, format from the config file", args: []string{"outbox", "drop", "017", "--outbox", box, "--config", logConf},
			code: cli.ExitUsage, want: `invalid id "017"`, json: true},
		{name: "console log", args: []string{"run", "noop", "--target", "10.0.0.1", "--timeout", "0"},
			code: cli.ExitUsage, want: `invalid timeout "0" (--timeout): must be positive`},
		{name: "console log, unknown flag", args: []string{"run", "noop", "--timout", "3"},
			code: cli.ExitUsage, want: "flag provided but not defined: --timout", hint: "did you mean --timeout?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r result
			if tt.stdout != nil {
				r.code, r.stderr = runTo(t, registry(), tt.env, tt.stdout, tt.args...)
			} else {
				r = run(t, registry(), tt.env, tt.args...)
			}
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", r.code, tt.code, r.stderr)
			}
			if !tt.json {
				if !strings.Contains(r.stderr, "injectkit: "+tt.want) {
					t.Errorf("no plain line saying %q:\n%s", tt.want, r.stderr)
				}
				if tt.hint != "" && !strings.Contains(r.stderr, "injectkit: hint: "+tt.hint) {
					t.Errorf("no plain hint line saying %q:\n%s", tt.hint, r.stderr)
				}
				return
			}
			exits := jsonExitLines(t, r.stderr)
			if tt.want == "" {
				if len(exits) != 0 {
					t.Errorf("%d exit lines, want none:\n%s", len(exits), r.stderr)
				}
				return
			}
			if len(exits) != 1 {
				t.Fatalf("%d exit lines, want 1:\n%s", len(exits), r.stderr)
			}
			e := exits[0]
			msg, _ := e["error"].(string)
			hint, _ := e["hint"].(string)
			if e["level"] != "error" || e["msg"] != cli.ExitMessage || e["exit_code"] != float64(tt.code) || !strings.Contains(msg, tt.want) {
				t.Errorf("exit line %v, want an ERROR %q with exit_code %d and an error saying %q", e, cli.ExitMessage, tt.code, tt.want)
			}
			if !strings.Contains(hint, tt.hint) || (tt.hint == "") != (hint == "") {
				t.Errorf("exit line's hint %q, want one saying %q", hint, tt.hint)
			}
			if got := undeliveredInLogs(t, r.stderr); got != tt.dump {
				t.Errorf("undelivered signatures on stderr: %v, want %v:\n%s", got, tt.dump, r.stderr)
			}
		})
	}
}

// undeliveredInLogs reports whether stderr holds one ERROR JSON log line
// "undelivered signatures" whose undelivered_signatures field is the
// callback body not delivered, nested (its inject_id and targets), not a
// string to parse again.
func undeliveredInLogs(t *testing.T, stderr string) bool {
	t.Helper()
	n := 0
	for line := range strings.Lines(stderr) {
		var m struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Sigs  *struct {
				InjectID  string `json:"inject_id"`
				Signature struct {
					Targets []json.RawMessage `json:"targets"`
				} `json:"expectation_signature"`
			} `json:"undelivered_signatures"`
		}
		if json.Unmarshal([]byte(line), &m) != nil || m.Msg != "undelivered signatures" {
			continue
		}
		n++
		if m.Level != "error" || m.Sigs == nil || m.Sigs.InjectID == "" || len(m.Sigs.Signature.Targets) != 1 {
			t.Errorf("undelivered signatures line without its body nested: %s", line)
		}
	}
	if n > 1 {
		t.Errorf("%d undelivered signatures lines, want 1:\n%s", n, stderr)
	}
	return n > 0
}

// A run with a backend URL whose stdout, which only reports what it sent,
// cannot be written keeps its code 0: under --log-format json the line
// saying so is a WARN "stdout not written" log line, no exit on an error.
func TestStdoutNotWrittenWarnsUnderJSONLogs(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer ok.Close()
	code, stderr := runTo(t, registry(), map[string]string{"INJECTKIT_TOKEN": "tok-t183-exit-json"}, fullWriter{},
		"run", "noop", "--target", "10.0.0.1", "--backend-url", ok.URL, "--inject-id", "i3", "--outbox", "none", "-o", "json", "--log-format", "json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want %d:\n%s", code, cli.ExitOK, stderr)
	}
	exits := jsonExitLines(t, stderr)
	if len(exits) != 1 {
		t.Fatalf("%d lines saying stdout was not written, want 1:\n%s", len(exits), stderr)
	}
	msg, _ := exits[0]["error"].(string)
	if exits[0]["level"] != "warn" || exits[0]["msg"] != "stdout not written" || exits[0]["exit_code"] != float64(0) ||
		!strings.Contains(msg, "stdout not written: ") {
		t.Errorf("line %v, want a WARN \"stdout not written\" with exit_code 0 and the write's error", exits[0])
	}
}
