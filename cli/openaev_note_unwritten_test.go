package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// The note of a complete (when it was sent, for the ingestion window) is
// written after the run's delivery returned, with the removal of the
// delivered body: when that write fails (here the file cannot be opened
// again; a full disk alike), the run says so once, at its end (WARN
// `outbox not closed cleanly`, naming the note), where it used to drop it
// without a word. The inject was delivered: exit 0.
func TestRunOpenAEVUnwrittenNoteIsSaid(t *testing.T) {
	dir := t.TempDir()
	const id = "inj-note-full"
	p := noopPlatform(t, id)
	box := filepath.Join(dir, "outbox.db")
	// The file cannot be opened again once the complete is stored and on
	// its way (the run's outbox is shared: opened for each operation).
	front := testkit.FaultProxy(t, p.URL, 1, []byte(`"execution_action":"complete"`), func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
		if err := os.Rename(box, box+".away"); err != nil {
			t.Error(err)
		}
		if err := os.Mkdir(box, 0o700); err != nil {
			t.Error(err)
		}
		forward.ServeHTTP(w, r)
	})
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": platformToken}
	r := run(t, registry(), env, "run", "noop", "--openaev-message", oneAssetMessage(t, id, openaev.ContractID("noop")),
		"--backend-url", front.URL, "--log-level", "warn")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (delivered); stderr:\n%s", r.code, r.stderr)
	}
	if c, ok := p.Terminal(id); !ok || !c.Processed() {
		t.Fatalf("the platform did not process the complete: %+v", c)
	}
	checkSays(t, "stderr", r.stderr, []string{"WARN", "outbox not closed cleanly", "the note of inject " + id + "'s complete",
		"is a directory"}, nil)
	if n := strings.Count(r.stderr, "the note of inject "+id+"'s complete"); n != 1 {
		t.Errorf("the note's failure said %d times, want once:\n%s", n, r.stderr)
	}
}
