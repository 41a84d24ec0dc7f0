package cli_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// A second interrupt that cuts a callback POST short in flight is said
// the same with --outbox none as with an outbox: the attempt cut short,
// which the backend may have received, so that whoever posts the printed
// signatures again knows they may be there twice. Without an outbox it
// said only "context canceled".
func TestRunSecondInterruptInFlightSaysTheBackendMayHaveIt(t *testing.T) {
	t.Parallel()
	const want = "attempt 1 cut short by the interrupt while in flight (the backend may have received it): context canceled"
	for _, tc := range []struct {
		name    string
		outbox  bool
		targets string // one body, or several chunks
		cutAt   int32  // the POST the interrupt comes during, from 1
	}{
		{"none, one body", false, "10.0.0.1", 1},
		{"none, first chunk of several", false, "10.0.0.0/24", 1},
		{"none, later chunk of several", false, "10.0.0.0/24", 2},
		{"outbox, one body", true, "10.0.0.1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			abort := cli.NewAbort()
			var posts atomic.Int32
			var held atomic.Bool
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if posts.Add(1) == tc.cutAt && abort.Fire() {
					held.Store(true)
					<-r.Context().Done() // the run cuts its POST short
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			t.Cleanup(be.Close)
			box := "none"
			if tc.outbox {
				box = filepath.Join(t.TempDir(), "outbox.db")
			}
			r := runWith(t, cli.Options{Registry: registry(), Abort: abort}, map[string]string{"INJECTKIT_TOKEN": "tok-cut"},
				"run", "noop", "--target", tc.targets, "--inject-id", "inj-cut", "--outbox", box,
				"--backend-url", be.URL, "--max-payload-size", "4096", "--log-level", "error")
			be.Close()
			if !held.Load() {
				t.Fatalf("no send held the abort; exit %d, stderr:\n%s", r.code, r.stderr)
			}
			if r.code != cli.ExitInterrupted || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %d and %q", r.code, r.stderr, cli.ExitInterrupted, want)
			}
		})
	}
}
