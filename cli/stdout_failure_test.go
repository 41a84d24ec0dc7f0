package cli_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// fullWriter is a stdout on a full disk (>/dev/full): every write fails.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// cutWriter is a stdout read by `head -c 10`: it takes the first 10
// bytes, then fails with EPIPE, the pipe closed.
type cutWriter struct {
	mu   sync.Mutex
	left int
}

func (w *cutWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(p) <= w.left {
		w.left -= len(p)
		return len(p), nil
	}
	n := w.left
	w.left = 0
	return n, syscall.EPIPE
}

// closedStdouts returns the stdouts a command may not be able to write:
// the write end of a real pipe whose read end is closed (EPIPE), a pipe
// closed after 10 bytes, a full disk.
func closedStdouts(t *testing.T) map[string]func() io.Writer {
	return map[string]func() io.Writer{
		"closed pipe": func() io.Writer {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			t.Cleanup(func() { w.Close() })
			return w
		},
		"head -c 10": func() io.Writer { return &cutWriter{left: 10} },
		"full disk":  func() io.Writer { return fullWriter{} },
	}
}

// runTo runs the application with stdout, and returns its exit code and
// stderr.
func runTo(t *testing.T, reg *framework.Registry, env map[string]string, stdout io.Writer, args ...string) (int, string) {
	t.Helper()
	state := t.TempDir()
	var stderr bytes.Buffer
	o := cli.Options{Registry: reg, Version: "1.2.3", Stdout: stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			switch v, ok := env[k]; {
			case ok:
				return v
			case k == "CONTAINER_IP":
				return "172.17.0.2"
			case k == "XDG_STATE_HOME":
				return state
			}
			return ""
		}}
	code := cli.Run(t.Context(), o, append([]string{"injectkit"}, args...))
	return code, stderr.String()
}

// saidOnce checks that stderr has one line of the command's own saying
// that stdout was not written.
func saidOnce(t *testing.T, stderr string) {
	t.Helper()
	n := 0
	for l := range strings.Lines(stderr) {
		if strings.HasPrefix(l, "injectkit: ") && strings.Contains(l, "stdout not written: ") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d lines say stdout was not written, want 1:\n%s", n, stderr)
	}
}

// A command whose stdout cannot be written, whatever it is, says so on
// one stderr line and exits 1: its output was what it made. A dry run's
// signatures go to stderr instead, as those of a failed delivery.
func TestStdoutNotWrittenExits1(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	if r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--backend-url", transporttest.NewBackend(t).URL,
		"--inject-id", "fill", "--outbox", box, "--log-level", "error"); r.code != cli.ExitOK {
		t.Fatalf("outbox set up: exit %d\n%s", r.code, r.stderr)
	}
	tests := []struct {
		name string
		args []string
		// dumped: the run's signatures are printed to stderr.
		dumped bool
	}{
		{name: "injectors", args: []string{"injectors"}},
		{name: "injectors noop", args: []string{"injectors", "noop"}},
		{name: "injectors json", args: []string{"injectors", "-o", "json"}},
		{name: "help", args: []string{"--help"}},
		{name: "run help", args: []string{"run", "--help"}},
		{name: "version", args: []string{"version"}},
		{name: "completion", args: []string{"completion", "bash"}},
		{name: "outbox list", args: []string{"outbox", "list", "--outbox", box, "--log-level", "error"}},
		{name: "validate", args: []string{"validate", "noop", "--target", "10.0.0.1", "--log-level", "error"}},
		{name: "dry run json", args: []string{"run", "noop", "--target", "10.0.0.1", "-o", "json", "--outbox", "none", "--log-level", "error"}, dumped: true},
		{name: "dry run text", args: []string{"run", "noop", "--target", "10.0.0.1", "-o", "text", "--outbox", "none", "--log-level", "error"}, dumped: true},
		{name: "dry run chunked", args: []string{"run", "noop", "--target", "10.0.0.0/26", "--max-payload-size", "4096", "--log-level", "error"}, dumped: true},
	}
	for name, stdout := range closedStdouts(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				code, stderr := runTo(t, registry(), nil, stdout(), tt.args...)
				if code != cli.ExitDelivery {
					t.Errorf("exit %d, want %d\n%s", code, cli.ExitDelivery, stderr)
				}
				saidOnce(t, stderr)
				if got := strings.Contains(stderr, "undelivered signatures: {"); got != tt.dumped {
					t.Errorf("signatures on stderr: %v, want %v\n%s", got, tt.dumped, stderr)
				}
			})
		}
	}
}

// A run with a backend URL delivers whatever becomes of its stdout, which
// only reports the delivery: the exit code is the delivery's (0), and one
// stderr line says stdout was not written, with either output and either
// profile; the platform gets the terminal callback, the backend each body
// once, and the outbox keeps nothing.
func TestStdoutNotWrittenDelivered(t *testing.T) {
	for name, stdout := range closedStdouts(t) {
		t.Run(name+"/flush", func(t *testing.T) {
			be := transporttest.NewBackend(t, 401) // the token refused: the bodies stay pending, then 200
			env, _ := outboxEnv(t)
			args := []string{"--backend-url", be.URL, "--log-level", "error"}
			if r := run(t, registry(), env, append([]string{"run", "noop", "--target", "10.0.0.0/26", "--max-payload-size", "4096",
				"--inject-id", "fl1"}, args...)...); r.code != cli.ExitDelivery {
				t.Fatalf("run: exit %d, want the bodies kept\n%s", r.code, r.stderr)
			}
			code, stderr := runTo(t, registry(), env, stdout(), append([]string{"outbox", "flush"}, args...)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
			}
			saidOnce(t, stderr)
			wantOutboxEmpty(t, registry(), env, "after the flush")
		})
		for _, output := range []string{"json", "text"} {
			t.Run(name+"/callback/"+output, func(t *testing.T) {
				be := transporttest.NewBackend(t)
				env, _ := outboxEnv(t)
				code, stderr := runTo(t, registry(), env, stdout(), "run", "noop", "-o", output, "--target", "10.0.0.0/26",
					"--max-payload-size", "4096", "--inject-id", "cp1", "--backend-url", be.URL, "--log-level", "error")
				if code != cli.ExitOK {
					t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
				}
				saidOnce(t, stderr)
				delivered := be.Delivered()
				if len(delivered) < 2 {
					t.Errorf("%d bodies delivered, want the chunks of a /26", len(delivered))
				}
				for key, bodies := range delivered {
					if len(bodies) != 1 {
						t.Errorf("key %s delivered %d times", key, len(bodies))
					}
				}
				wantOutboxEmpty(t, registry(), env, "after the run")
			})
			t.Run(name+"/openaev/"+output, func(t *testing.T) {
				p := openaevtest.NewPlatform(t, platformToken)
				registered(t, p, platformToken, registry())
				const id = "oa8"
				p.AddInject(id, openaev.ContractID("noop"))
				env, _ := outboxEnv(t)
				code, stderr := runTo(t, registry(), env, stdout(), "run", "noop", "--profile", "openaev", "-o", output,
					"--target", "10.0.0.1", "--target", "10.0.0.2", "--inject-id", id, "--backend-url", p.URL, "--log-level", "error")
				if code != cli.ExitOK {
					t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
				}
				saidOnce(t, stderr)
				if c, ok := p.Terminal(id); !ok || !openaev.Finished(p.InjectStatus(id)) {
					t.Errorf("terminal callback %v (%s %s), inject status %s: want a final one", ok, c.Outcome, c.Reason, p.InjectStatus(id))
				}
				wantOutboxEmpty(t, registry(), env, "after the run")
			})
		}
	}
}

// An openaev dry run whose stdout refuses the reception runs nothing, and
// says why: no platform was asked.
func TestStdoutNotWrittenOpenAEVDryRun(t *testing.T) {
	code, stderr := runTo(t, registry(), nil, fullWriter{}, "run", "noop", "--profile", "openaev", "-o", "json",
		"--target", "10.0.0.1", "--inject-id", "x1", "--log-level", "error")
	if code != cli.ExitDelivery {
		t.Errorf("exit %d, want %d\n%s", code, cli.ExitDelivery, stderr)
	}
	saidOnce(t, stderr)
	if strings.Contains(stderr, "the platform did not acknowledge") || !strings.Contains(stderr, "dry run") {
		t.Errorf("the hint blames the platform, or says nothing of the dry run:\n%s", stderr)
	}
}
