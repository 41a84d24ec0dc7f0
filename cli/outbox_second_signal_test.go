package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// TestOutboxFlushSecondSignalSaysWhatFlushLeaves is h221's finding: a
// second signal while `outbox flush` still ran (its first one cut its POST
// short, the flush recording it) exited at once with run's line, "bodies
// already stored in an outbox stay there …, signatures not yet stored are
// lost", while a flush stores nothing and loses nothing: the bodies it did
// not deliver stay pending. The line now says what the flush leaves. The
// first signal's cancel is held back here, so that the flush is still
// running, its POST held by the backend, when the second one comes.
func TestOutboxFlushSecondSignalSaysWhatFlushLeaves(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	var answer atomic.Int32
	answer.Store(http.StatusServiceUnavailable)
	posted, release := make(chan struct{}, 1), make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		code := int(answer.Load())
		if code == http.StatusOK {
			select {
			case posted <- struct{}{}:
			default:
			}
			<-release
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(be.Close)
	env := map[string]string{"INJECTKIT_TOKEN": "tok-flush"}
	r := runWith(t, cli.Options{Registry: registry()}, env, "run", "noop", "--target", "127.0.0.1", "--inject-id", "inj-flush-sig",
		"--backend-url", be.URL, "--outbox", box, "--log-level", "error")
	if r.code != cli.ExitDelivery {
		t.Fatalf("the run that stores the body: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	answer.Store(http.StatusOK)

	stderr := newConsole(false)
	o := cli.FastRetries(cli.Options{Registry: registry(), Stdout: io.Discard, Stderr: stderr, Abort: cli.NewAbort(),
		Getenv: getenv(t, env), Environ: environ(env)}, fastRetry)
	sigs, exit := make(chan os.Signal, 2), make(chan int, 1)
	go cli.OnSignals(o, func() {}, sigs, exit)
	done := make(chan int, 1)
	go func() {
		done <- cli.Run(context.Background(), o, []string{"injectkit", "outbox", "flush", "--outbox", box, "--backend-url", be.URL, "--log-level", "error"})
	}()
	<-posted
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGTERM // another signal: a second one at once, not a repeat
	code := <-exit
	out := stderr.String()
	close(release)
	<-done
	if code != cli.ExitInterrupted {
		t.Errorf("exit %d, want %d", code, cli.ExitInterrupted)
	}
	if want := "terminated again: exiting now; nothing more is sent: the bodies not delivered stay in the outbox, pending"; !strings.Contains(out, want) {
		t.Errorf("stderr does not say %q:\n%s", want, out)
	}
	if notWant := "signatures not yet stored are lost"; strings.Contains(out, notWant) {
		t.Errorf("stderr says %q of a flush:\n%s", notWant, out)
	}
}
