package cli_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/transport/outbox"
)

// firstWrite is a stdout that notes, at its first write, how many POSTs
// the backend had taken.
type firstWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	posts  func() int
	before int // the POSTs taken at the first write; -1 before it
}

func (w *firstWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.before < 0 {
		w.before = w.posts()
	}
	return w.buf.Write(p)
}

// A flush to a backend the outbox stored bodies for sends them while it
// reads the rest of the outbox (the bodies of other backends it leaves
// pending), and says what it left once it sent: it read every record
// before its first POST, two minutes and more at a million bodies. Its
// lines are the same, written after the sends.
func TestFlushSendsBeforeItReadsTheOthers(t *testing.T) {
	be := newBackend(t, http.StatusOK)
	const other = "http://127.0.0.1:1"
	box := filepath.Join(t.TempDir(), "outbox.db")
	var entries []outbox.Entry
	for i, base := range []string{other, be.URL, other, be.URL, be.URL} {
		entries = append(entries, outbox.Entry{InjectID: "inj-" + string(rune('a'+i)), Phase: "p", BaseURL: base, Body: []byte(`{}`)})
	}
	storeBodies(t, box, entries...)
	env := map[string]string{"INJECTKIT_TOKEN": "tok-later"}
	out := &firstWrite{posts: func() int { return len(be.Requests()) }, before: -1}
	var stderr bytes.Buffer
	o := cli.FastRetries(cli.Options{Registry: registry(), Stdout: out, Stderr: &stderr, Getenv: getenv(t, env), Environ: environ(env)}, fastRetry)
	code := cli.Run(t.Context(), o, []string{"injectkit", "outbox", "flush", "--outbox", box, "--backend-url", be.URL, "--log-level", "error"})
	if code != 0 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out.buf.String(), stderr.String())
	}
	if out.before != 3 {
		t.Errorf("%d of the 3 bodies posted when the flush wrote its first line, want all: it read the outbox before it sent", out.before)
	}
	for _, want := range []string{
		"2 signature bodies for " + other + " left pending: not the backend of --backend-url " + be.URL,
		"3 delivered, 0 still pending, 0 rejected (moved to the dead list), 0 being sent by another process; 2 left pending for other backends (see the lines above)",
	} {
		if !strings.Contains(out.buf.String(), want) {
			t.Errorf("stdout does not say %q:\n%s", want, out.buf.String())
		}
	}
}
