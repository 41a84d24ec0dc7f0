package cli_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/outbox"
)

// A retry-dead interrupted (SIGINT, SIGTERM, SIGHUP: its context ends)
// while its POST is in flight exits 130 saying so, and the body, pending
// again, says that its attempt was cut short (the backend may have
// received it), not the 400 that had made it dead. It exited 1 with a bare
// "context canceled", the body showing "status 400".
func TestOutboxRetryDeadInterrupted(t *testing.T) {
	t.Parallel()
	ctx, be := interruptingBackend(t)
	box := filepath.Join(t.TempDir(), "rd.db")
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.Put(outbox.Entry{InjectID: "rd1", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{}`)})
	if err == nil {
		err = s.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, "{}", `callback rejected: status 400: "{}"`)
	}
	if err = errors.Join(err, s.Close()); err != nil {
		t.Fatal(err)
	}
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
