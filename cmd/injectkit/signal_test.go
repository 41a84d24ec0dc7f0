package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// sysOpenat is openat(2)'s number on the architectures the tests run on
// (amd64; arm64's is 56).
var sysOpenat = map[string]string{"amd64": "257", "arm64": "56"}

// blockedInOpen waits until one of p's threads is inside openat(2),
// sleeping where a FIFO's open waits for its writer (wait_for_partner,
// from /proc/PID/task/*/wchan, when the kernel shows it): the process
// waits for a FIFO's writer. A thread that sleeps in openat of another
// file (disk I/O on a loaded machine) is not taken for it, which would
// signal the process before it reads its input.
func blockedInOpen(t *testing.T, p *testkit.Process, arch string) {
	t.Helper()
	blockedIn(t, p, arch, "openat", sysOpenat, "opening the FIFO", func(task, _ string) bool { return waitsForWriter(task) })
}

// blockedIn waits until one of p's threads is inside the system call
// named call (its number on arch in nrs) and waits as waiting says, given
// the thread's /proc/PID/task/TID directory and the call's arguments as
// /proc/PID/task/TID/syscall writes them (after the number): what names
// the wait in the failures. It skips the test where the number is not
// known or /proc does not show the system calls.
func blockedIn(t *testing.T, p *testkit.Process, arch, call string, nrs map[string]string, what string, waiting func(task, args string) bool) {
	t.Helper()
	nr, ok := nrs[arch]
	if !ok {
		t.Skipf("no %s number for %s", call, arch)
	}
	dir := "/proc/" + strconv.Itoa(p.Cmd.Process.Pid) + "/task"
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		tasks, _ := os.ReadDir(dir)
		for _, task := range tasks {
			b, err := os.ReadFile(filepath.Join(dir, task.Name(), "syscall"))
			if os.IsPermission(err) {
				t.Skip("/proc/PID/syscall is not readable here")
			}
			if args, in := strings.CutPrefix(string(b), nr+" "); in && waiting(filepath.Join(dir, task.Name()), args) {
				return
			}
		}
		select {
		case <-p.Exited():
			t.Fatalf("exited before %s: %v\n%s", what, p.Err(), p.Stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("never blocked in %s %s\n%s", call, what, p.Stderr.String())
}

// waitsForWriter reports whether the thread at /proc/PID/task/TID sleeps
// where a FIFO's open waits for its writer; true when the kernel does not
// show where threads sleep (wchan "0" or unreadable).
func waitsForWriter(task string) bool {
	b, err := os.ReadFile(filepath.Join(task, "wchan"))
	if err != nil || string(b) == "0" || len(b) == 0 {
		return true
	}
	return string(b) == "wait_for_partner"
}

// The first SIGTERM or SIGINT stops a run that waits for its input: a
// FIFO with no writer yet (blocked in open), or one whose writer is silent
// (blocked in read). The run exits 130 at once, names the file, and sends
// and stores nothing; so do validate, and serve before it starts: every
// file the user names (a CA file, an icon) is read so.
func TestBinaryFirstSignalWhileReadingInput(t *testing.T) {
	run := func(flag string) func(fifo, backend string) []string {
		return func(fifo, backend string) []string {
			return []string{"run", "noop", "--backend-url", backend, "--inject-id", "sig-1", flag, fifo}
		}
	}
	message := func(fifo, _ string) []string { return []string{"run", "noop", "--openaev-message", fifo} }
	validate := func(fifo, _ string) []string { return []string{"validate", "noop", "--inject-file", fifo} }
	config := func(fifo, backend string) []string {
		return []string{"run", "noop", "--config", fifo, "--backend-url", backend, "--inject-id", "sig-1", "--target", "127.0.0.1"}
	}
	ca := func(extra ...string) func(fifo, backend string) []string {
		return func(fifo, backend string) []string {
			return append([]string{"run", "noop", "--backend-url", backend, "--inject-id", "sig-1", "--target", "127.0.0.1",
				"--ca-file", fifo}, extra...)
		}
	}
	validateCA := func(fifo, backend string) []string { return append([]string{"validate"}, ca()(fifo, backend)[1:]...) }
	serveFile := func(flag string) func(fifo, backend string) []string {
		return func(fifo, backend string) []string {
			return []string{"serve", "--openaev-url", backend, "--token", "tok", "--injector-id", "6f0c6bd8-3f6c-4a5e-9d35-2f7b9c1e8a01",
				"--listen-addr", "", flag, fifo}
		}
	}
	for _, tc := range []struct {
		name   string
		sig    syscall.Signal
		key    string // the setting whose file is the FIFO
		args   func(fifo, backend string) []string
		writer bool // a writer opens the FIFO and stays silent
	}{
		{"targets file, no writer, SIGTERM", syscall.SIGTERM, "targets_file", run("--targets-file"), false},
		{"targets file, silent writer, SIGTERM", syscall.SIGTERM, "targets_file", run("--targets-file"), true},
		{"targets file, no writer, SIGINT", syscall.SIGINT, "targets_file", run("--targets-file"), false},
		{"inject file, no writer, SIGTERM", syscall.SIGTERM, "inject_file", run("--inject-file"), false},
		{"inject file, silent writer, SIGINT", syscall.SIGINT, "inject_file", run("--inject-file"), true},
		{"openaev message, no writer, SIGTERM", syscall.SIGTERM, "openaev_message", message, false},
		{"openaev message, silent writer, SIGTERM", syscall.SIGTERM, "openaev_message", message, true},
		{"config file, no writer, SIGINT", syscall.SIGINT, "config", config, false},
		{"config file, silent writer, SIGTERM", syscall.SIGTERM, "config", config, true},
		{"validate, inject file, silent writer, SIGINT", syscall.SIGINT, "inject_file", validate, true},
		{"CA file, no writer, SIGTERM", syscall.SIGTERM, "ca_file", ca(), false},
		{"CA file, silent writer, SIGINT", syscall.SIGINT, "ca_file", ca(), true},
		{"openaev profile, CA file, silent writer, SIGTERM", syscall.SIGTERM, "ca_file", ca("--profile", "openaev"), true},
		{"validate, CA file, no writer, SIGTERM", syscall.SIGTERM, "ca_file", validateCA, false},
		{"serve, icon file, no writer, SIGTERM", syscall.SIGTERM, "icon_file", serveFile("--icon-file"), false},
		{"serve, icon file, silent writer, SIGINT", syscall.SIGINT, "icon_file", serveFile("--icon-file"), true},
		{"serve, CA file, silent writer, SIGTERM", syscall.SIGTERM, "ca_file", serveFile("--ca-file"), true},
		{"serve, broker CA file, no writer, SIGTERM", syscall.SIGTERM, "broker_ca_file", serveFile("--broker-ca-file"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "input.fifo")
			testkit.FIFO(t, fifo)
			be := transporttest.NewBackend(t)
			state := filepath.Join(dir, "state")
			args := tc.args(fifo, be.URL)
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+state)
			p := testkit.Start(t, cmd)
			blockedInOpen(t, p, runtime.GOARCH)
			if tc.writer {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
			}
			interruptedReading(t, p, tc.sig, be, state, "sig-1", "interrupted while reading "+tc.key, fifo)
		})
	}
}

// interruptedReading stops p, blocked reading its input, with sig and
// checks that it exits 130 at once, its stderr saying each of names, and
// sends nothing to be nor stores inject id in the outbox of state (its
// XDG_STATE_HOME).
func interruptedReading(t *testing.T, p *testkit.Process, sig syscall.Signal, be *transporttest.Backend, state, id string, names ...string) {
	t.Helper()
	if code := p.Stop(t, sig, time.Minute); code != cli.ExitInterrupted {
		t.Fatalf("exit %d after one %s, want %d\n%s", code, sig, cli.ExitInterrupted, p.Stderr.String())
	}
	for _, name := range names {
		if got := p.Stderr.String(); !strings.Contains(got, name) {
			t.Errorf("stderr does not say %q:\n%s", name, got)
		}
	}
	if n := len(be.Requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	code, out, errOut := injectkit(t, []string{"XDG_STATE_HOME=" + state}, "outbox", "list", "-o", "json")
	if code != 0 || strings.Contains(out, id) {
		t.Errorf("outbox after the interrupt (exit %d): %s%s", code, out, errOut)
	}
}

// The first signal also ends a run that waits for another process's lock
// on the outbox before its inject runs: exit 130, nothing sent or stored.
func TestBinaryFirstSignalWhileWaitingForTheOutbox(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			holder, err := outbox.Open(box, outbox.Options{Command: "holder under test"})
			if err != nil {
				t.Fatal(err)
			}
			be := transporttest.NewBackend(t)
			cmd := exec.Command(bin, "run", "noop", "--backend-url", be.URL, "--inject-id", "sig-lock", "--target", "127.0.0.1")
			cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "INJECTKIT_OUTBOX="+box, "INJECTKIT_OUTBOX_LOCK_TIMEOUT=10m")
			p := testkit.Start(t, cmd)
			// Logged once the input is read, before the outbox is opened.
			p.Stderr.AwaitText(t, time.Minute, "no token")
			if code := p.Stop(t, sig, time.Minute); code != cli.ExitInterrupted {
				t.Fatalf("exit %d after one %s, want %d\n%s", code, sig, cli.ExitInterrupted, p.Stderr.String())
			}
			if got := p.Stderr.String(); !strings.Contains(got, "interrupted while opening outbox "+box) {
				t.Errorf("stderr does not name the outbox:\n%s", got)
			}
			if n := len(be.Requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			recs, err := holder.List()
			if err != nil || len(recs) != 0 {
				t.Errorf("outbox after the interrupt: %d records, %v", len(recs), err)
			}
			holder.Close()
		})
	}
}

// A second signal stops a held delivery at once, with 130 and a line
// saying so, while the first lets it go on: the body it was sending stays
// in the outbox for a flush.
func TestBinarySecondSignalStopsTheSending(t *testing.T) {
	p, box := stoppedTwice(t, "sig-2")
	if !strings.Contains(p.Stderr.String(), "injectkit: sending stopped by a second interrupt; 1 signature body stored in outbox "+box) {
		t.Errorf("stderr does not say why it exited:\n%s", p.Stderr.String())
	}
	if n := len(storedBodies(t, box)); n != 1 {
		t.Errorf("%d bodies in the outbox, want the one being sent", n)
	}
}

// stoppedTwice starts a run (heldRun, with args added) whose delivery
// waits, sends it SIGTERM once it posted, then again once it said it stops
// gracefully, and checks it exited 130; it returns the ended process and
// the run's outbox.
func stoppedTwice(t *testing.T, id string, args ...string) (*testkit.Process, string) {
	t.Helper()
	be, box, cmd := heldRun(t, id)
	cmd.Args = append(cmd.Args, args...)
	p := testkit.Start(t, cmd)
	if !be.Within(testkit.Hang, func() bool { return be.Len() > 0 }) {
		t.Fatalf("the run never posted: %s", p.State())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	p.Stderr.AwaitText(t, time.Minute, "stopping gracefully")
	if code := p.Stop(t, syscall.SIGTERM, time.Minute); code != cli.ExitInterrupted {
		t.Fatalf("exit %d after a second SIGTERM, want %d", code, cli.ExitInterrupted)
	}
	return p, box
}

// With --log-format json, main's lines about the signals are JSON log
// lines (the same words in msg), so that stderr stays a JSON stream; with
// the console format they stay plain lines.
func TestBinarySignalNoticesFollowTheLogFormat(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			p, _ := stoppedTwice(t, "sig-json-"+format, "--log-format", format)
			for _, words := range []string{"terminated: stopping gracefully (send it again to exit now)", "terminated again: sending stops"} {
				var line string
				for l := range strings.SplitSeq(p.Stderr.String(), "\n") {
					if strings.Contains(l, words) {
						line = l
					}
				}
				var entry struct{ Level, Msg string }
				err := json.Unmarshal([]byte(line), &entry)
				switch {
				case line == "":
					t.Errorf("no line says %q:\n%s", words, p.Stderr.String())
				case format == "json" && (err != nil || !strings.HasPrefix(entry.Msg, words)):
					t.Errorf("not a JSON log line whose msg says %q: %s (%v)", words, line, err)
				case format == "console" && !strings.HasPrefix(line, "injectkit: "+words):
					t.Errorf("console line %q, want it to start with %q", line, "injectkit: "+words)
				}
			}
		})
	}
}

// A log format the command line or the environment gives applies from the
// start: a signal while the config file (a FIFO nobody writes) is read is
// told in a JSON log line, as during a --ca-file read; it was a plain line
// until the file had been read.
func TestBinarySignalNoticeWhileReadingConfigFollowsTheLogFormat(t *testing.T) {
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "tok",
		"--injector-id", "6f0c6bd8-3f6c-4a5e-9d35-2f7b9c1e8a01", "--listen-addr", ""}
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		args []string
		env  []string
	}{
		{"run, flag, SIGHUP", syscall.SIGHUP, []string{"run", "noop", "--target", "127.0.0.1", "--log-format", "json"}, nil},
		{"run, env, SIGTERM", syscall.SIGTERM, []string{"run", "noop", "--target", "127.0.0.1"}, []string{"INJECTKIT_LOG_FORMAT=json"}},
		{"serve, flag, SIGTERM", syscall.SIGTERM, append(serve, "--log-format", "json"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "cfg.fifo")
			testkit.FIFO(t, fifo)
			cmd := exec.Command(bin, append(tc.args, "--config", fifo)...)
			cmd.Env = append(append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+filepath.Join(dir, "state")), tc.env...)
			p := testkit.Start(t, cmd)
			blockedInOpen(t, p, runtime.GOARCH)
			if code := p.Stop(t, tc.sig, time.Minute); code != cli.ExitInterrupted {
				t.Fatalf("exit %d, want %d\n%s", code, cli.ExitInterrupted, p.Stderr.String())
			}
			var entry struct{ Level, Msg string }
			first, _, _ := strings.Cut(p.Stderr.String(), "\n")
			if err := json.Unmarshal([]byte(first), &entry); err != nil || entry.Level != "warn" ||
				!strings.Contains(entry.Msg, "stopping gracefully") {
				t.Errorf("the signal's notice is not a JSON WARN log line: %q (%v)", first, err)
			}
		})
	}
}
