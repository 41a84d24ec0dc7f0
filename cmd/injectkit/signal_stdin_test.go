package main

import (
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
	"github.com/injectkit/injectkit/transport/transporttest"
)

// sysRead is read(2)'s number on the architectures the tests run on.
var sysRead = map[string]string{"amd64": "0", "arm64": "63"}

// blockedReadingStdin waits until one of p's threads is inside read(2) on
// file descriptor 0, read from /proc/PID/task/*/syscall (the number, then
// the first argument): the process waits for its standard input.
func blockedReadingStdin(t *testing.T, p *testkit.Process) {
	t.Helper()
	nr, ok := sysRead[runtime.GOARCH]
	if !ok {
		t.Skipf("no read number for %s", runtime.GOARCH)
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
			if strings.HasPrefix(string(b), nr+" 0x0 ") {
				return
			}
		}
		select {
		case <-p.Exited():
			t.Fatalf("exited before reading stdin: %v\n%s", p.Err(), p.Stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("never blocked reading stdin\n%s", p.Stderr.String())
}

// The first SIGINT or SIGTERM stops a run (or validate) blocked reading
// --targets-file - or --inject-file - from a pipe whose writer stays
// silent: it exits 130 at once, names the setting and stdin, and sends and
// stores nothing.
func TestBinaryFirstSignalWhileReadingStdin(t *testing.T) {
	for _, tc := range []struct {
		name string
		sig  syscall.Signal
		key  string
		args []string
	}{
		{"targets file, SIGINT", syscall.SIGINT, "targets_file", []string{"run", "noop", "--targets-file", "-"}},
		{"targets file, SIGTERM", syscall.SIGTERM, "targets_file", []string{"run", "noop", "--targets-file", "-"}},
		{"inject file, SIGINT", syscall.SIGINT, "inject_file", []string{"run", "noop", "--inject-file", "-"}},
		{"inject file, SIGTERM", syscall.SIGTERM, "inject_file", []string{"run", "noop", "--inject-file", "-"}},
		{"openaev profile, targets file, SIGTERM", syscall.SIGTERM, "targets_file", []string{"run", "noop", "--profile", "openaev", "--targets-file", "-"}},
		{"validate, inject file, SIGINT", syscall.SIGINT, "inject_file", []string{"validate", "noop", "--inject-file", "-"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			be := transporttest.NewBackend(t)
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close() // the writer stays open and silent until the end
			args := tc.args
			if args[0] == "run" {
				args = append(args, "--backend-url", be.URL, "--inject-id", "sig-stdin")
			}
			cmd := exec.Command(bin, args...)
			cmd.Stdin = r
			cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+state)
			p := testkit.Start(t, cmd)
			r.Close()
			blockedReadingStdin(t, p)
			if code := p.Stop(t, tc.sig, time.Minute); code != cli.ExitInterrupted {
				t.Fatalf("exit %d after one %s, want %d\n%s", code, tc.sig, cli.ExitInterrupted, p.Stderr.String())
			}
			if got := p.Stderr.String(); !strings.Contains(got, "interrupted while reading "+tc.key+` "-" (stdin)`) {
				t.Errorf("stderr does not name %s and stdin:\n%s", tc.key, got)
			}
			if n := len(be.Requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
			code, out, errOut := injectkit(t, []string{"XDG_STATE_HOME=" + state}, "outbox", "list", "-o", "json")
			if code != 0 || strings.Contains(out, "sig-stdin") {
				t.Errorf("outbox after the interrupt (exit %d): %s%s", code, out, errOut)
			}
		})
	}
}
