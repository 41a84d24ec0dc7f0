package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
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

// closedRun runs the binary with stdout (closeStdout) or stderr closed
// early, and returns its exit code and what it wrote on the other stream.
// A process killed by a signal fails the test: it died mid-protocol.
func closedRun(t *testing.T, closeStdout bool, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir()), env...)
	var other bytes.Buffer
	if closeStdout {
		cmd.Stdout, cmd.Stderr = testkit.ClosedPipe(t), &other
	} else {
		cmd.Stdout, cmd.Stderr = &other, testkit.ClosedPipe(t)
	}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("killed by %v mid-protocol\n%s", ws.Signal(), other.String())
		}
		return ee.ExitCode(), other.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, other.String()
}

// A stdout or stderr closed early (`| head -n 1`) never kills the process
// (SIGPIPE, exit 141): the openaev inject gets its terminal callback and
// nothing stays in the outbox; the callback profile's bodies, each
// delivered once, are removed from it, by a run or by a flush.
func TestBinaryClosedPipeFinishesTheProtocol(t *testing.T) {
	t.Run("openaev", func(t *testing.T) {
		for _, closeStdout := range []bool{true, false} {
			name := map[bool]string{true: "stdout", false: "stderr"}[closeStdout]
			t.Run(name, func(t *testing.T) {
				p := platformFor(t, openaevtest.Current, false)
				registerContracts(t, p)
				id := "oa-closed-" + name
				p.AddInject(id, openaev.ContractID("noop"))
				box := filepath.Join(t.TempDir(), "outbox.db")
				code, other := closedRun(t, closeStdout, nil, "run", "noop", "--profile", "openaev", "-o", "json",
					"--target", "10.0.0.1", "--target", "10.0.0.2", "--inject-id", id, "--backend-url", p.URL,
					"--token", platformToken, "--outbox", box)
				if code != 0 {
					t.Fatalf("exit %d, want 0 (delivered)\n%s", code, other)
				}
				if c, ok := p.Terminal(id); !ok || !openaev.Finished(p.InjectStatus(id)) {
					t.Errorf("inject %s: terminal callback %v (%s %s), status %s; want a final status", id, ok, c.Outcome, c.Reason, p.InjectStatus(id))
				}
				if left := storedBodies(t, box); len(left) != 0 {
					t.Errorf("%d bodies left in the outbox", len(left))
				}
			})
		}
	})
	t.Run("callback", func(t *testing.T) {
		be := transporttest.NewBackend(t)
		box := filepath.Join(t.TempDir(), "outbox.db")
		code, errs := closedRun(t, true, nil, "run", "noop", "-o", "json", "--target", "10.0.0.0/26",
			"--max-payload-size", "4096", "--inject-id", "cp-closed", "--backend-url", be.URL, "--outbox", box)
		if code != 0 {
			t.Fatalf("exit %d, want 0 (delivered)\n%s", code, errs)
		}
		checkDeliveredOnce(t, be, box)
	})
	t.Run("flush", func(t *testing.T) {
		be := transporttest.NewBackend(t)
		be.SetReply(transporttest.Reply{Cut: true})
		box := filepath.Join(t.TempDir(), "outbox.db")
		code, _, errs := injectkit(t, nil, "run", "noop", "--target", "10.0.0.0/26", "--max-payload-size", "4096",
			"--inject-id", "flush-closed", "--backend-url", be.URL, "--outbox", box, "--log-level", "error")
		if code != 1 || len(storedBodies(t, box)) < 2 {
			t.Fatalf("run with the backend down: exit %d, %d bodies stored\n%s", code, len(storedBodies(t, box)), errs)
		}
		be.SetReply(transporttest.Reply{})
		code, errs = closedRun(t, true, nil, "outbox", "flush", "--backend-url", be.URL, "--outbox", box)
		if code != 0 {
			t.Fatalf("flush: exit %d, want 0 (delivered)\n%s", code, errs)
		}
		checkDeliveredOnce(t, be, box)
	})
}

// checkDeliveredOnce checks that be stored each body of a send once, and
// that none is left in the outbox box.
func checkDeliveredOnce(t *testing.T, be *transporttest.Backend, box string) {
	t.Helper()
	if delivered := be.DeliveredOnce(t); len(delivered) < 2 {
		t.Errorf("%d bodies delivered, want the chunks of a /26", len(delivered))
	}
	if left := storedBodies(t, box); len(left) != 0 {
		t.Errorf("%d bodies left pending in the outbox", len(left))
	}
}

// A dry run whose stdout is closed early printed nothing the user got: it
// exits 1 with its signatures on stderr, every target of them, as a
// delivery that failed does.
func TestBinaryClosedStdoutDryRunPrintsTheSignatures(t *testing.T) {
	code, errs := closedRun(t, true, nil, "run", "noop", "--target", "10.0.0.0/22", "--outbox", "none")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errs)
	}
	_, dump, ok := strings.Cut(errs, "undelivered signatures: ")
	if !ok {
		t.Fatalf("no undelivered signatures on stderr:\n%s", errs)
	}
	dump, _, _ = strings.Cut(dump, "\n")
	var doc struct {
		Signatures struct {
			Targets []json.RawMessage `json:"targets"`
		} `json:"expectation_signature"`
	}
	if err := json.Unmarshal([]byte(dump), &doc); err != nil {
		t.Fatalf("undelivered signatures: %v", err)
	}
	if got := len(doc.Signatures.Targets); got != 1024 {
		t.Errorf("%d targets in the undelivered signatures, want the 1024 of the /22", got)
	}
}

// A listing whose stdout's reader stopped reading (`injectkit injectors
// | head -n 1`) is normal Unix usage: the process exits 0 and says
// nothing, as `ls | head -n 1` does, whatever the listing.
func TestBinaryClosedStdoutListingExits0(t *testing.T) {
	for _, args := range [][]string{{"injectors"}, {"injectors", "-o", "json"}, {"injectors", "noop"}, {"--help"}, {"version"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, errs := closedRun(t, true, nil, args...)
			if code != 0 || errs != "" {
				t.Errorf("exit %d, want 0 saying nothing:\n%s", code, errs)
			}
		})
	}
}
