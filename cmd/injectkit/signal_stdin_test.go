package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// sysRead is read(2)'s number on the architectures the tests run on.
var sysRead = map[string]string{"amd64": "0", "arm64": "63"}

// blockedReadingStdin waits until one of p's threads is inside read(2) on
// file descriptor 0 (its first argument): the process waits for its
// standard input.
func blockedReadingStdin(t *testing.T, p *testkit.Process) {
	t.Helper()
	blockedIn(t, p, runtime.GOARCH, "read", sysRead, "reading stdin", func(_, args string) bool { return strings.HasPrefix(args, "0x0 ") })
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
			interruptedReading(t, p, tc.sig, be, state, "sig-stdin", "interrupted while reading "+tc.key+` "-" (stdin)`)
		})
	}
}
