package cli_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
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

// closedStdout is a stdout a command may not be able to write.
type closedStdout struct {
	open func() io.Writer
	// readerGone: its reader stopped reading (EPIPE), normal Unix usage
	// (`| head -n 1`), not a failure of a stdout that is no product.
	readerGone bool
}

// closedStdouts returns the stdouts a command may not be able to write:
// the write end of a real pipe whose read end is closed (EPIPE), a pipe
// closed after 10 bytes, a full disk.
func closedStdouts(t *testing.T) map[string]closedStdout {
	return map[string]closedStdout{
		"closed pipe": {open: func() io.Writer { return testkit.ClosedPipe(t) }, readerGone: true},
		"head -c 10":  {open: func() io.Writer { return &cutWriter{left: 10} }, readerGone: true},
		"full disk":   {open: func() io.Writer { return fullWriter{} }},
	}
}

// runTo runs the application with stdout, and returns its exit code and
// stderr.
func runTo(t *testing.T, reg *framework.Registry, env map[string]string, stdout io.Writer, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	o := cli.Options{Registry: reg, Version: "1.2.3", Stdout: stdout, Stderr: &stderr, Getenv: getenv(t, env)}
	code := cli.Run(t.Context(), o, append([]string{"injectkit"}, args...))
	return code, stderr.String()
}

// saidOnce checks that stderr has one line of the command's own saying
// that stdout was not written.
func saidOnce(t *testing.T, stderr string) {
	t.Helper()
	if n := saidNotWritten(stderr); n != 1 {
		t.Errorf("%d lines say stdout was not written, want 1:\n%s", n, stderr)
	}
}

// saidUnlessReaderGone checks that stderr has one line saying that
// stdout was not written, none when its reader stopped reading.
func saidUnlessReaderGone(t *testing.T, stderr string, readerGone bool) {
	t.Helper()
	if readerGone {
		if n := saidNotWritten(stderr); n != 0 {
			t.Errorf("%d lines say stdout was not written, its reader gone: want none\n%s", n, stderr)
		}
		return
	}
	saidOnce(t, stderr)
}

// saidNotWritten is the number of lines of stderr, the command's own,
// saying that stdout was not written.
func saidNotWritten(stderr string) int {
	n := 0
	for l := range strings.Lines(stderr) {
		if strings.HasPrefix(l, "injectkit: ") && strings.Contains(l, "stdout not written: ") {
			n++
		}
	}
	return n
}

// A command whose stdout cannot be written says so on one stderr line and
// exits 1, its output lost, whatever the command, when the stdout failed
// (a full disk), and for a dry run, whose stdout is its product, when its
// reader stopped reading too: its signatures go to stderr instead, as
// those of a failed delivery. A listing, the help, the version, a
// completion script or validate's verdict whose reader stopped reading
// (`injectkit injectors | head -n 1`, EPIPE) is normal Unix usage: the
// command exits 0 and says nothing.
func TestStdoutNotWritten(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	if r := run(t, registry(), nil, "run", "noop", "--target", "10.0.0.1", "--backend-url", transporttest.NewBackend(t).URL,
		"--inject-id", "fill", "--outbox", box, "--log-level", "error"); r.code != cli.ExitOK {
		t.Fatalf("outbox set up: exit %d\n%s", r.code, r.stderr)
	}
	tests := []struct {
		name string
		args []string
		// product: stdout is the command's product (a dry run's
		// signatures), kept nowhere else: printed to stderr when lost.
		product bool
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
		{name: "dry run json", args: []string{"run", "noop", "--target", "10.0.0.1", "-o", "json", "--outbox", "none", "--log-level", "error"}, product: true},
		{name: "dry run text", args: []string{"run", "noop", "--target", "10.0.0.1", "-o", "text", "--outbox", "none", "--log-level", "error"}, product: true},
		{name: "dry run chunked", args: []string{"run", "noop", "--target", "10.0.0.0/26", "--max-payload-size", "4096", "--log-level", "error"}, product: true},
	}
	for name, stdout := range closedStdouts(t) {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				code, stderr := runTo(t, registry(), nil, stdout.open(), tt.args...)
				if stdout.readerGone && !tt.product {
					if code != cli.ExitOK || stderr != "" {
						t.Errorf("exit %d, want %d saying nothing:\n%s", code, cli.ExitOK, stderr)
					}
					return
				}
				if code != cli.ExitDelivery {
					t.Errorf("exit %d, want %d\n%s", code, cli.ExitDelivery, stderr)
				}
				saidOnce(t, stderr)
				if got := strings.Contains(stderr, "undelivered signatures: {"); got != tt.product {
					t.Errorf("signatures on stderr: %v, want %v\n%s", got, tt.product, stderr)
				}
			})
		}
	}
}

// A stdout whose reader stops reading after the first line, a real pipe
// (`injectkit injectors | head -n 1`, the listing larger than the pipe's
// buffer so that the reader is gone while it is written): the listing
// exits 0 and says nothing, the reader got its line.
func TestListingReadByHeadExits0(t *testing.T) {
	const many = 3000 // injectors: a listing of some 300 KB, over a pipe's 64 KiB
	reg := registry(func(r *framework.Registry) {
		for i := range many {
			r.Register(fmt.Sprintf("demo%04d", i), func() framework.Executor { return demo{} })
		}
	})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	first := make(chan string, 1)
	go func() { // head -n 1
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		first <- line
	}()
	code, stderr := runTo(t, reg, nil, w, "injectors")
	if code != cli.ExitOK || stderr != "" {
		t.Errorf("exit %d, want %d saying nothing:\n%s", code, cli.ExitOK, stderr)
	}
	if line := <-first; !strings.HasPrefix(line, "NAME") {
		t.Errorf("the reader's line %q, want the listing's header", line)
	}
}

// A run with a backend URL delivers whatever becomes of its stdout, which
// only reports the delivery: the exit code is the delivery's (0), with
// either output and either profile, and one stderr line says stdout was
// not written when it failed (none when its reader stopped reading); the
// platform gets the terminal callback, the backend each body once, and
// the outbox keeps nothing.
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
			code, stderr := runTo(t, registry(), env, stdout.open(), append([]string{"outbox", "flush"}, args...)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
			}
			saidUnlessReaderGone(t, stderr, stdout.readerGone)
			wantOutboxEmpty(t, registry(), env, "after the flush")
		})
		for _, output := range []string{"json", "text"} {
			t.Run(name+"/callback/"+output, func(t *testing.T) {
				be := transporttest.NewBackend(t)
				env, _ := outboxEnv(t)
				code, stderr := runTo(t, registry(), env, stdout.open(), "run", "noop", "-o", output, "--target", "10.0.0.0/26",
					"--max-payload-size", "4096", "--inject-id", "cp1", "--backend-url", be.URL, "--log-level", "error")
				if code != cli.ExitOK {
					t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
				}
				saidUnlessReaderGone(t, stderr, stdout.readerGone)
				if delivered := be.DeliveredOnce(t); len(delivered) < 2 {
					t.Errorf("%d bodies delivered, want the chunks of a /26", len(delivered))
				}
				wantOutboxEmpty(t, registry(), env, "after the run")
			})
			t.Run(name+"/openaev/"+output, func(t *testing.T) {
				p := openaevtest.NewPlatform(t, platformToken)
				registered(t, p, platformToken, registry())
				const id = "oa8"
				p.AddInject(id, openaev.ContractID("noop"))
				env, _ := outboxEnv(t)
				code, stderr := runTo(t, registry(), env, stdout.open(), "run", "noop", "--profile", "openaev", "-o", output,
					"--target", "10.0.0.1", "--target", "10.0.0.2", "--inject-id", id, "--backend-url", p.URL, "--log-level", "error")
				if code != cli.ExitOK {
					t.Fatalf("exit %d, want %d\n%s", code, cli.ExitOK, stderr)
				}
				saidUnlessReaderGone(t, stderr, stdout.readerGone)
				if c, ok := p.Terminal(id); !ok || !openaev.Finished(p.InjectStatus(id)) {
					t.Errorf("terminal callback %v (%s %s), inject status %s: want a final one", ok, c.Outcome, c.Reason, p.InjectStatus(id))
				}
				wantOutboxEmpty(t, registry(), env, "after the run")
			})
		}
	}
}

// An openaev dry run whose stdout refuses the reception (failed, or its
// reader gone: it is the dry run's product) runs nothing, and says why:
// no platform was asked.
func TestStdoutNotWrittenOpenAEVDryRun(t *testing.T) {
	for name, stdout := range closedStdouts(t) {
		t.Run(name, func(t *testing.T) {
			code, stderr := runTo(t, registry(), nil, stdout.open(), "run", "noop", "--profile", "openaev", "-o", "json",
				"--target", "10.0.0.1", "--inject-id", "x1", "--log-level", "error")
			if code != cli.ExitDelivery {
				t.Errorf("exit %d, want %d\n%s", code, cli.ExitDelivery, stderr)
			}
			saidOnce(t, stderr)
			if strings.Contains(stderr, "the platform did not acknowledge") || !strings.Contains(stderr, "dry run") {
				t.Errorf("the hint blames the platform, or says nothing of the dry run:\n%s", stderr)
			}
		})
	}
}

// An openaev dry run of an inject refused (a bad --target) whose stdout
// refuses the reception, so that its INVALID_USAGE was not printed, exits
// 2 for the bad input, its line naming the value and that stdout was not
// written, once, and the hint says why nothing reached the platform: the
// dry run's stdout, no platform.
func TestStdoutNotWrittenOpenAEVDryRunRefused(t *testing.T) {
	for name, stdout := range closedStdouts(t) {
		t.Run(name, func(t *testing.T) {
			code, stderr := runTo(t, registry(), nil, stdout.open(), "run", "noop", "--profile", "openaev", "-o", "json",
				"--target", "-oN/tmp/x", "--inject-id", "x1", "--log-level", "error")
			if code != cli.ExitUsage || !strings.Contains(stderr, `injectkit: invalid --target "-oN/tmp/x": `) {
				t.Errorf("exit %d, want %d naming the value\n%s", code, cli.ExitUsage, stderr)
			}
			saidOnce(t, stderr)
			if !strings.Contains(stderr, "injectkit: hint: the dry run prints the platform's calls to stdout, which could not be written") {
				t.Errorf("the hint says nothing of the dry run:\n%s", stderr)
			}
		})
	}
}

// A dry run whose stdout cannot be written (its reader gone, a full disk),
// with either output, says so in the one line the README promises,
// `injectkit: stdout not written: …`, with no ERROR log line repeating it,
// prints its signatures to stderr and exits 1.
func TestDryRunStdoutNotWrittenOneLine(t *testing.T) {
	for name, stdout := range closedStdouts(t) {
		for _, output := range []string{"json", "text"} {
			t.Run(name+"/"+output, func(t *testing.T) {
				code, stderr := runTo(t, registry(), nil, stdout.open(), "run", "noop", "--target", "10.0.0.1", "-o", output,
					"--outbox", "none", "--log-level", "error")
				if code != cli.ExitDelivery {
					t.Errorf("exit %d, want %d\n%s", code, cli.ExitDelivery, stderr)
				}
				var own []string
				for l := range strings.Lines(stderr) {
					if strings.HasPrefix(l, "injectkit: ") {
						own = append(own, l)
					}
				}
				if len(own) != 1 || !strings.HasPrefix(own[0], "injectkit: stdout not written: ") {
					t.Errorf("want one line injectkit: stdout not written: …, got %q", own)
				}
				if strings.Contains(stderr, "ERROR") {
					t.Errorf("an ERROR log line repeats it:\n%s", stderr)
				}
				if !strings.Contains(stderr, "undelivered signatures: {") {
					t.Errorf("no signatures on stderr:\n%s", stderr)
				}
			})
		}
	}
}
