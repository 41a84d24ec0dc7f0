package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// The binary built from main.go, as the guide's section 8 writes it, owns
// its signals as injectkit does (cli.Main): a SIGHUP (the terminal
// closed), a SIGINT or a SIGTERM while hello runs says it stops gracefully,
// naming the binary, and delivers the inject as a timeout (exit 3), never
// losing it.
func TestBinarySignalDeliversTimeout(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hello")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Under `nohup go test` hello would inherit the ignored SIGHUP and keep
	// it so, as cli.Main does under nohup: its SIGHUP case waited for ever.
	// A signal this process handles is reset to its default by exec.
	if signal.Ignored(syscall.SIGHUP) {
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			var mu sync.Mutex
			var bodies []string
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
			}))
			t.Cleanup(be.Close)
			cmd := exec.Command(bin, "run", "hello", "--target", "127.0.0.1", "--target", "127.0.0.2",
				"--param", "pause=1h", "--inject-id", "sig-1", "--backend-url", be.URL)
			cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "CONTAINER_IP=172.17.0.2")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			// Signalled once the run reached hello (the pause keeps it there).
			var logs strings.Builder
			lines, running := bufio.NewScanner(stderr), false
			for !running && lines.Scan() {
				logs.WriteString(lines.Text() + "\n")
				running = strings.Contains(lines.Text(), "pre-execution signatures compiled")
			}
			if !running {
				t.Fatalf("the run ended before hello ran:\n%s", logs.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			for lines.Scan() {
				logs.WriteString(lines.Text() + "\n")
			}
			code := 0
			var ee *exec.ExitError
			if err := cmd.Wait(); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != cli.ExitFailed {
				t.Fatalf("exit %d after %s, want %d (a timeout delivered)\n%s", code, sig, cli.ExitFailed, logs.String())
			}
			if want := "hello: " + sig.String() + ": stopping gracefully (send it again to exit now)"; !strings.Contains(logs.String(), want) {
				t.Errorf("stderr does not say %q:\n%s", want, logs.String())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(bodies) != 1 || !strings.Contains(bodies[0], `"execution_status","signature_value":"timeout"`) {
				t.Errorf("delivered %d bodies, want one of a timeout: %q", len(bodies), bodies)
			}
		})
	}
}
