package cli_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestAbortExiting checks what main runs before it exits at once: every
// function registered and not removed, each once, and that a wait ended
// (a further signal, or main's bound) returns without waiting for one
// that does not return.
func TestAbortExiting(t *testing.T) {
	a := cli.NewAbort()
	ran := make(chan string, 3)
	a.OnExit(func() { ran <- "kept" })
	remove := a.OnExit(func() { ran <- "removed" })
	a.OnExit(func() { ran <- "second" })
	remove()
	a.Exiting(context.Background())
	close(ran)
	got := map[string]int{}
	for name := range ran {
		got[name]++
	}
	if got["kept"] != 1 || got["second"] != 1 || got["removed"] != 0 {
		t.Errorf("ran %v, want kept and second once each, removed never", got)
	}

	stuck := make(chan struct{})
	defer close(stuck)
	b := cli.NewAbort()
	b.OnExit(func() { <-stuck })
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a further signal
	b.Exiting(ctx)

	var none *cli.Abort // commands run without main's abort
	none.OnExit(func() { t.Error("ran on a nil Abort") })()
	none.Exiting(context.Background())
}

// serve interrupted before it started, while it reads its config file (a
// FIFO nobody writes), exits 130 as run does, and its help says so: the
// help listed 130 only for a second signal during the graceful stop, and
// a signal as a graceful stop with exit 0.
func TestServeInterruptedBeforeStartIsDocumented(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "serve.fifo")
	testkit.FIFO(t, fifo)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the signal arrives while serve waits for the FIFO's writer
	sess := newSession(false, false)
	sess.ctx = ctx
	r := sess.run(t, registry(), "serve", "--config", fifo)
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, `interrupted while reading config "`+fifo+`"`) {
		t.Fatalf("exit %d, want %d naming the config file\n%s", r.code, cli.ExitInterrupted, r.stderr)
	}
	help := run(t, registry(), nil, "serve", "--help").stdout
	_, codes, ok := strings.Cut(help, "EXIT CODES:\n")
	if !ok {
		t.Fatalf("no EXIT CODES in serve's help:\n%s", help)
	}
	entry := regexp.MustCompile(`(?ms)^ +130  (.*?)\n +[0-9]+  |^ +130  (.*?)\n\n`).FindStringSubmatch(codes)
	if entry == nil {
		t.Fatalf("serve's help lists no exit 130:\n%s", codes)
	}
	if text := strings.Join(strings.Fields(entry[1]+entry[2]), " "); !strings.Contains(text, "before it started") || !strings.Contains(text, "config") {
		t.Errorf("serve's help does not say an interrupt before it started exits 130: %q", text)
	}
}

// cuttingPlatform is a platform that answers {} to every request but
// the one named cut ("GET /api/settings/public"), during which the
// signal arrives (ctx's cancel): it answers that one only once the client
// has gone.
func cuttingPlatform(t *testing.T, cut string, cancel context.CancelFunc) *httptest.Server {
	t.Helper()
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.Method+" "+r.URL.Path == cut {
			cancel()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(p.Close)
	return p
}

// A run of the openaev profile interrupted while it waits on the
// platform before the injector runs (its version, its settings, the
// inject's status) exits 130 naming the request it waited on: it said
// "interrupted while opening outbox og.db", the step after it. Nothing
// ran, and no outbox was created.
func TestRunOpenAEVInterruptedWaitingOnPlatform(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cut  string
		args []string
	}{
		{cut: "GET /api/settings/version"},
		{cut: "GET /api/settings/public", args: []string{"--openaev-version", "3.260821.0"}},
		{cut: "GET /api/injects/og1", args: []string{"--openaev-version", "3.260821.0"}},
	} {
		t.Run(tc.cut, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			p := cuttingPlatform(t, tc.cut, cancel)
			box := filepath.Join(t.TempDir(), "og.db")
			sess := newSession(false, false)
			sess.ctx = ctx
			r := sess.run(t, registry(), append([]string{"run", "noop", "--profile", "openaev", "--target", "10.0.0.1", "--inject-id", "og1",
				"--backend-url", p.URL, "--token", "x", "--outbox", box, "--log-level", "error"}, tc.args...)...)
			want := "injectkit: interrupted while waiting on the platform (" + tc.cut + "): nothing was run, sent or stored: context canceled\n"
			if r.code != cli.ExitInterrupted || !strings.HasSuffix(r.stderr, want) || strings.Contains(r.stderr, "opening outbox") {
				t.Fatalf("exit %d, want %d and %q\n%s%s", r.code, cli.ExitInterrupted, want, r.stdout, r.stderr)
			}
			noOutboxFile(t, box)
		})
	}
}

// A run of the openaev profile interrupted while the platform has not
// acknowledged the reception exits 130 saying the run was interrupted
// before the injector ran: it exited 1, "inject os1 not run: context
// canceled", with the hint of a platform that failed ("run it again once
// the platform answers").
func TestRunOpenAEVReceptionInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const cut = "POST /api/injects/execution/reception/os1"
	p := cuttingPlatform(t, cut, cancel)
	sess := newSession(false, false)
	sess.ctx = ctx
	r := sess.run(t, registry(), "run", "noop", "--profile", "openaev", "--openaev-version", "3.260821.0", "--target", "10.0.0.1",
		"--inject-id", "os1", "--backend-url", p.URL, "--token", "x", "--outbox", filepath.Join(t.TempDir(), "os.db"), "--log-level", "error")
	want := "injectkit: inject os1 not run: interrupted while waiting on the platform (" + cut + "): the injector did not run and nothing was stored"
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "hint:") {
		t.Fatalf("exit %d, want %d and %q, no hint\n%s%s", r.code, cli.ExitInterrupted, want, r.stdout, r.stderr)
	}
}

// A retry-dead interrupted (SIGINT, SIGTERM, SIGHUP: its context ends)
// while its POST is in flight exits 130 saying so, and the body, pending
// again, says that its attempt was cut short (the backend may have
// received it), not the 400 that had made it dead. It exited 1 with a bare
// "context canceled", the body showing "status 400".
func TestOutboxRetryDeadInterrupted(t *testing.T) {
	t.Parallel()
	ctx, be := interruptingBackend(t)
	box := filepath.Join(t.TempDir(), "rd.db")
	withStore(t, box, func(s *outbox.Store) error {
		recs, err := s.Put(outbox.Entry{InjectID: "rd1", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{}`)})
		if err != nil {
			return err
		}
		return s.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "{}", `callback rejected: status 400: "{}"`)
	})
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	sess := newSession(false, false)
	sess.ctx, sess.env = ctx, env
	r := sess.run(t, registry(), "outbox", "retry-dead", "1", "--backend-url", be.URL, "--log-level", "error")
	if r.code != cli.ExitInterrupted || !strings.Contains(r.stdout, "1 (inject rd1 chunk 0/1): interrupted, pending") ||
		!strings.Contains(r.stderr, "injectkit: retry interrupted (context canceled): 1 (inject rd1) stays pending: attempt 1 cut short by the interrupt while in flight (the backend may have received it)") ||
		!strings.Contains(r.stderr, "(send it with: injectkit outbox flush --outbox "+box+" --backend-url "+be.URL+")") {
		t.Fatalf("exit %d, want %d saying the retry was interrupted\n%s%s", r.code, cli.ExitInterrupted, r.stdout, r.stderr)
	}
	list := listOutbox(t, env)
	if len(list.Records) != 1 {
		t.Fatalf("list: %d records, want 1: %+v", len(list.Records), list)
	}
	if got := list.Records[0]; got.State != "pending" || got.Attempts != 2 || !strings.HasPrefix(got.LastError, "attempt 1 cut short by the interrupt while in flight") {
		t.Errorf("the body after the interrupt: %+v, want pending, 2 attempts, its last one cut short", got)
	}
}

// interruptingBackend returns a context and a backend that cancels it
// once it has read a request's body, as a signal arriving while the body
// is in flight, and answers only when the client has gone.
func interruptingBackend(t *testing.T) (context.Context, *httptest.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	be := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // then the server sees the client go
		cancel()
		<-r.Context().Done()
	}))
	t.Cleanup(be.Close)
	return ctx, be
}

// A flush interrupted while it waits out what the backend asked (a 429
// with Retry-After: 30) had no request in flight: it says so, not "cut
// short in flight", and the body keeps that schedule, its attempt and the
// 429 recorded. It used to say the body was cut short in flight and make
// it due at the interrupt's moment, so that serve's resender retried it
// at once, against the backend's wish.
func TestOutboxFlushInterruptedWhileWaiting(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(be.Close)
	box := filepath.Join(t.TempDir(), "outbox.db")
	storeBodies(t, box, outbox.Entry{InjectID: "inj-wait", Phase: "p", BaseURL: be.URL, Body: []byte(`{}`)})
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	sess := newSession(false, false)
	sess.ctx, sess.env = ctx, env
	go func() {
		sess.stderr.await(ctx, "request failed, retrying") // logged as the wait starts
		cancel()
	}()
	before := time.Now()
	f := sess.run(t, registry(), "outbox", "flush", "--backend-url", be.URL)
	if f.code != cli.ExitInterrupted || strings.Contains(f.stderr, "cut short in flight") ||
		!strings.Contains(f.stderr, "1 signature body still pending, 1 stopped while waiting to be tried again (no request in flight") {
		t.Fatalf("exit %d, want %d saying the body was stopped waiting, not in flight\n%s%s", f.code, cli.ExitInterrupted, f.stdout, f.stderr)
	}
	s, err := outbox.Open(box, outbox.Options{Shared: true, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.List()
	if err != nil || len(recs) != 1 {
		t.Fatalf("list: %v, %d records, want 1", err, len(recs))
	}
	r := recs[0]
	if r.Attempts != 1 || !strings.Contains(r.LastError, "status 429") || r.NextAttempt.Before(before.Add(29*time.Second)) {
		t.Errorf("the body after the interrupt: %d attempts, %q, next attempt %s after the flush began; want 1, the 429, and the 30s it asked",
			r.Attempts, r.LastError, r.NextAttempt.Sub(before))
	}
}
