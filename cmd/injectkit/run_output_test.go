package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// On pipes (these tests' stdout and stderr), `run` prints the wire JSON
// and no progress; the exit code tells the outcome.
func TestBinaryExitCodesAndPipes(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a part of stdout
		stderr string // a part of stderr
	}{
		{"success", []string{"--param", "outcome=success"}, cli.ExitOK, `"signature_value":"success"`, "INFO\tprinted"},
		{"partial", []string{"--param", "outcome=partial"}, cli.ExitOK, `"signature_value":"partial"`, "INFO\tprinted"},
		{"failed", []string{"--param", "outcome=failed"}, cli.ExitFailed, `"signature_value":"failed"`,
			"WARN\tinject failed; its signatures report the failure"},
		{"timeout", []string{"--param", "delay=1m", "--timeout", "0.05"}, cli.ExitFailed, `"signature_value":"timeout"`,
			"WARN\tinject timed out or was interrupted"},
		{"a range", []string{"--target", "127.0.0.0/31"}, cli.ExitOK, `"target_ipv4","signature_value":"127.0.0.0"`, ""},
		{"--target without a value", []string{"--target"}, cli.ExitUsage, "", "injectkit: --target needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := injectkit(t, nil, append([]string{"run", "noop", "--target", "127.0.0.1"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
			}
			if !strings.Contains(out, tt.stdout) || (tt.stdout != "" && strings.Count(out, "\n") != 1) {
				t.Errorf("stdout %q, want one JSON line with %q", out, tt.stdout)
			}
			if !strings.Contains(errs, tt.stderr) || strings.Contains(errs, "\x1b[") || strings.Contains(errs, "done in") {
				t.Errorf("stderr %q, want %q and no progress", errs, tt.stderr)
			}
		})
	}
	// A character device that is not a terminal is no terminal either:
	// the JSON goes to /dev/full, whose write error is the run's (exit 1,
	// the signatures on stderr), never a summary lost with exit 0.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	// So does the summary asked for with -o text.
	for output, want := range map[string]string{"json": "undelivered signatures: {", "text": "injectkit: stdout not written: "} {
		cmd := exec.Command(bin, "run", "noop", "--target", "127.0.0.1", "-o", output)
		cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir())
		var errs strings.Builder
		cmd.Stdout, cmd.Stderr = full, &errs
		err = cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != cli.ExitDelivery || !strings.Contains(errs.String(), want) {
			t.Errorf("-o %s, stdout /dev/full: %v, want exit %d and %q on stderr:\n%s", output, err, cli.ExitDelivery, want, errs.String())
		}
	}
}

// On a terminal (a pseudo-terminal from script(1), when installed), `run`
// prints the summary and the progress; -o json the wire JSON.
func TestBinaryOnATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed: no pseudo-terminal")
	}
	onTTY := func(args string) string {
		cmd := exec.Command(script, "-qec", bin+" "+args, os.DevNull)
		cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir(), "COLUMNS=200")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script %s: %v\n%s", args, err, out)
		}
		return strings.ReplaceAll(string(out), "\r\n", "\n")
	}
	out := onTTY("run noop --target 127.0.0.1 --target ::1 --param delay=0.3")
	for _, want := range []string{"noop: done in ", "noop: success · 2 targets · ", "\n  127.0.0.1  success\n", "\n  ::1        success\n",
		"\nsignatures not sent: no --backend-url (-o json prints them)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, `"expectation_signature"`) {
		t.Errorf("wire JSON on a terminal without -o json:\n%s", out)
	}
	if out := onTTY("run noop --target 127.0.0.1 -o json --log-level error"); !strings.Contains(out, `{"phase":"execution_complete","expectation_signature":`) ||
		strings.Contains(out, "signatures not sent") {
		t.Errorf("-o json on a terminal:\n%s", out)
	}
}
