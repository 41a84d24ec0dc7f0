//go:build unix && !solaris && !aix && !android

package cli_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// serve started while another process holds its outbox's lock (the
// daemon it replaces, still in its shutdown grace) does not exit 2: it
// registers, consumes nothing (the inject published meanwhile is not
// received by the platform), /healthz answers 503 naming the lock and the
// outbox, one WARN says so; once the lock is free it opens the outbox and
// runs the inject, once. Before, serve exited 2 after the lock timeout.
func TestIntegrationServeStartsPausedWhileAnotherProcessHoldsTheOutbox(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-locked-start", openaev.ContractID("noop"))
	path := filepath.Join(t.TempDir(), "outbox.db")
	other, err := outbox.Open(path, outbox.Options{}) // not shared: holds the file until closed
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	// Not serveQueue: no consumer comes while the outbox is held.
	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--log-format", "json", "--outbox", path, "--outbox-lock-timeout", "100ms", "--injectors", "noop")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	})
	const paused = "consumption not started: outbox locked: "
	pauseLines := func() int { return strings.Count(stderr.String(), paused) }
	waitUntil(t, "the pause at start said", func() bool { return pauseLines() == 1 })
	if len(p.Registrations()) == 0 {
		t.Errorf("not registered while paused at start")
	}
	servetest.Publish(t, queue, noopMessage(t, "i-locked-start", nil))
	code, h, body := healthOf(t, stderr.String())
	holder := "outbox " + path + " is locked by process " + strconv.Itoa(os.Getpid())
	if code != http.StatusServiceUnavailable || !h.Paused || !strings.HasPrefix(h.Reason, "outbox locked: "+holder) {
		t.Errorf("/healthz while the outbox is held: %d %s; want 503, paused, the reason naming the lock and %s", code, body, path)
	}
	if n := len(p.Receptions("i-locked-start")); n != 0 {
		t.Errorf("the inject was received %d times while the outbox was held", n)
	}
	if _, consumers := servetest.Counts(t, queue); consumers != 0 {
		t.Errorf("%d consumers on the queue while the outbox is held, want none", consumers)
	}

	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := p.WaitTerminal(ctx, "i-locked-start"); err != nil {
		t.Fatalf("no terminal callback once the outbox is free: %v", err)
	}
	waitUntil(t, "/healthz ok once the outbox is free", func() bool {
		code, _, _ := healthOf(t, stderr.String())
		return code == http.StatusOK
	})
	if n := len(p.Receptions("i-locked-start")); n != 1 {
		t.Errorf("the inject was received %d times, want 1", n)
	}
	if n := pauseLines(); n != 1 {
		t.Errorf("the pause at start said %d times, want 1", n)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
}

// A file that is not an outbox, held by another process, still exits 2 at
// start, and so does an outbox path the file system refuses: bad input.
func TestServeOutboxBadAtStartStillExits2(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not an outbox at all, some notes\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(notes)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, outbox, want string }{
		{"locked file not an outbox", notes, "is corrupt or not an outbox"},
		{"under a file", filepath.Join(file, "outbox.db"), "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, "serve", "--openaev-url", "http://127.0.0.1:1", "--injector-id", injectorID,
				"--token", "tok", "--injectors", "noop", "--outbox", tt.outbox, "--outbox-lock-timeout", "100ms")
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
