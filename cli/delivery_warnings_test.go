package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A request refused at every attempt reaches the user once: each retry
// one WARN line (attempt n/N), the client returns the failure, and it is
// logged once at WARN or ERROR, naming the attempts, by the runtime or
// the outbox command (retry-dead prints its human line only): for run
// (both profiles), outbox flush and outbox retry-dead. serve's is checked
// by TestIntegrationServeOutbox.
func TestOneFailureOneLine(t *testing.T) {
	down := func(t *testing.T) string {
		return transporttest.NewScriptedBackend(t, transporttest.Repeat(4, 503, `{"message":"down"}`)...).URL
	}
	// stored puts one body of inject i-down for url in a new outbox, dead
	// when dead, and returns the outbox's environment and the body's id.
	stored := func(t *testing.T, url string, dead bool) (map[string]string, string) {
		box := filepath.Join(t.TempDir(), "outbox.db")
		s, err := outbox.Open(box, outbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		recs, err := s.Put(outbox.Entry{InjectID: "i-down", Phase: "p", BaseURL: url, Body: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if dead {
			if err := s.MoveToDead(recs[0].ID, 1, 400, "refused", "answer 400"); err != nil {
				t.Fatal(err)
			}
		}
		return map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": "tok"}, strconv.FormatUint(recs[0].ID, 10)
	}
	tests := []struct {
		name string
		// line returns the command's environment and arguments.
		line      func(t *testing.T) (map[string]string, []string)
		op, final string // final "": no log line, the CLI's own line only
	}{
		{"run, callback profile", func(t *testing.T) (map[string]string, []string) {
			return nil, []string{"run", "noop", "--target", "127.0.0.1", "--inject-id", "i-down", "--backend-url", down(t),
				"--token", "tok", "--outbox", "none"}
		}, "callback", "delivery failed"},
		{"run --openaev-message", func(t *testing.T) (map[string]string, []string) {
			p := noopPlatform(t, "i-down")
			p.FailComplete("i-down", 503, openaev.DefaultAttempts)
			msg := `{"injection":{"inject_id":"i-down","inject_injector_contract":{"injector_contract_id":"` +
				openaev.ContractID("noop") + `"},"inject_content":{"target_selector":"manual","targets":"127.0.0.1"}}}`
			return map[string]string{"INJECTKIT_TOKEN": platformToken},
				[]string{"run", "--openaev-message", writeFile(t, "message.json", msg), "--backend-url", p.URL, "--outbox", "none",
					"--openaev-ingest-window", "0"} // a stand-in processing before its answer (legacy ingestion)
		}, "complete", "delivery failed"},
		{"outbox flush", func(t *testing.T) (map[string]string, []string) {
			url := down(t)
			env, _ := stored(t, url, false)
			return env, []string{"outbox", "flush", "--backend-url", url}
		}, "callback", "outbox body not delivered; kept"},
		{"outbox retry-dead", func(t *testing.T) (map[string]string, []string) {
			url := down(t)
			env, id := stored(t, url, true)
			return env, []string{"outbox", "retry-dead", id, "--backend-url", url}
		}, "callback", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, args := tt.line(t)
			r := run(t, registry(), env, append(args, "--log-format", "json")...)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1: %s", r.code, r.stderr)
			}
			checkOneFailureLine(t, r.stderr, "i-down", tt.op, tt.final)
		})
	}
}

// A delivery that fails says what was being delivered, as each profile
// calls it: the openaev profile's result (its complete, which may carry
// no signature at all: 2.4.0 takes none), never "signatures"; the
// callback profile's signatures, as before.
func TestRunDeliveryErrorNamesWhatWasDelivered(t *testing.T) {
	t.Parallel()
	const id = "inj-what"
	p := noopPlatform(t, id)
	p.FailComplete(id, http.StatusBadRequest, 99)
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--openaev-version", "2.4.0", "--inject-id", id,
		"--target", "127.0.0.1", "--backend-url", p.URL, "--token", platformToken, "--outbox", "none", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "deliver result: ") || strings.Contains(r.stdout+r.stderr, "deliver signatures") {
		t.Errorf("exit %d, want 1 with \"deliver result: …\":\n%s%s", r.code, r.stdout, r.stderr)
	}
	cb := newBackend(t, http.StatusBadRequest)
	r = run(t, registry(), nil, "run", "noop", "--inject-id", id, "--target", "127.0.0.1", "--backend-url", cb.URL, "--token", "t",
		"--outbox", "none", "--log-level", "error")
	if r.code != 1 || !strings.Contains(r.stderr, "deliver signatures: ") {
		t.Errorf("callback profile: exit %d, want 1 with \"deliver signatures: …\":\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A failed or timed-out `run --profile openaev` says in its WARN what
// reported the outcome: the complete callback's execution_status, the
// one the platform got (the openaev profile's signatures never carry an
// outcome, and 2.4.x gets none), never "its signatures".
func TestRunOpenAEVFailureWarnNamesWhatWasSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version openaevtest.Version
		param   []string
		status  string
		warn    string
	}{
		{"failed, 2.4.0", openaevtest.Version24, []string{"--param", "outcome=failed"}, openaev.StatusError,
			"WARN\tinject failed; its complete callback reports the failure (execution_status ERROR)\t"},
		{"failed, current", openaevtest.Current, []string{"--param", "outcome=failed"}, openaev.StatusError,
			"WARN\tinject failed; its complete callback reports the failure (execution_status ERROR)\t"},
		{"timeout, 2.4.0", openaevtest.Version24, []string{"--param", "delay=1h", "--timeout", "0.01"}, openaev.StatusTimeout,
			"WARN\tinject timed out or was interrupted; its complete callback reports the timeout (execution_status TIMEOUT)\t"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := "inj-failed-warn-" + string(rune('a'+i))
			p := noopPlatform(t, id, openaevtest.WithVersion(tt.version))
			env, _ := outboxEnv(t)
			args := append([]string{"run", "noop", "--target", "127.0.0.1", "--inject-id", id, "--profile", "openaev",
				"--backend-url", p.URL, "--log-level", "warn"}, tt.param...)
			r := run(t, registry(), env, args...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
			}
			done, ok := p.Terminal(id)
			if !ok || !done.Processed() || done.Body["execution_status"] != tt.status {
				t.Fatalf("terminal callback: present %v, %s %s %v", ok, done.Outcome, done.Reason, done.Body["execution_status"])
			}
			if !strings.Contains(r.stderr, tt.warn) || strings.Contains(r.stderr, "its signatures report") {
				t.Errorf("stderr\n%s\nwant %q", r.stderr, tt.warn)
			}
		})
	}
}

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
