package cli_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// An outbox a newer version marked with a later format is refused by every
// command, exit 2, naming the file and its mark and saying to use that
// version: it is not called corrupt, and nothing is sent.
func TestOutboxOfANewerVersion(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	box := filepath.Join(t.TempDir(), "outbox.db")
	storeBodies(t, box, outbox.Entry{InjectID: "kept", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p"}`)})
	const mark = "injectkit-outbox/9"
	outboxtest.Update(t, box, func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte(mark)) })
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	for _, args := range [][]string{
		{"outbox", "list"},
		{"outbox", "flush", "--backend-url", be.URL},
		{"outbox", "retry-dead", "1", "--backend-url", be.URL},
		{"outbox", "drop", "1"},
		{"run", "noop", "--inject-id", "inj-n", "--target", "127.0.0.1", "--backend-url", be.URL},
	} {
		r := run(t, registry(), env, args...)
		if r.code != 2 || strings.Contains(r.stderr, "corrupt") {
			t.Errorf("%v: exit %d, want 2, not corrupt: %s", args, r.code, r.stderr)
		}
		for _, want := range []string{box, `"` + mark + `"`, "written by a newer injectkit; use that version or drain it with it"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q: %s", args, want, r.stderr)
			}
		}
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A run an earlier version recorded with the number of a pending body is
// listed and dropped as run-N: `drop 1` names the body alone, `drop run-1`
// the run, and list -o json gives no two entries one id.
func TestDropOfARunNumberedLikeABody(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	recs := storeBodies(t, box, outbox.Entry{InjectID: "inj-C3", Phase: "execution_complete", BaseURL: "http://127.0.0.1:9", Body: []byte(`{"c":3}`)})
	body := recs[0].ID
	earlierStart(t, box, "S1", body)
	env := map[string]string{"INJECTKIT_OUTBOX": box}
	runID := "run-" + strconv.FormatUint(body, 10)

	r := run(t, registry(), env, "outbox", "list")
	if want := "forget it with: injectkit outbox drop " + runID + ")"; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("list: exit %d, want %q:\n%s%s", r.code, want, r.stdout, r.stderr)
	}
	got := listOutbox(t, env)
	ids := map[string]int{}
	for _, rec := range got.Records {
		ids[strconv.FormatUint(rec.ID, 10)]++
	}
	for _, g := range got.UnfinishedRuns {
		for _, run := range g.Runs {
			ids[run.ID]++
		}
	}
	if len(ids) != 2 || ids[runID] != 1 || ids[strconv.FormatUint(body, 10)] != 1 {
		t.Errorf("list -o json ids %v, want the body's and %s once each:\n%s", ids, runID, r.stdout)
	}

	r = run(t, registry(), env, "outbox", "drop", runID)
	if want := "dropped " + runID + " (unfinished run of inject S1 by pid "; r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Fatalf("drop %s: exit %d, want %q: %s%s", runID, r.code, want, r.stdout, r.stderr)
	}
	s, err := outbox.Open(box, outbox.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pending, _ := s.List()
	runs, _ := s.Starts()
	if len(pending) != 1 || pending[0].ID != body || pending[0].State != outbox.Pending || len(runs) != 0 {
		t.Errorf("after drop %s: records %+v, runs %+v; want body %d pending, no run", runID, pending, runs, body)
	}
}

// A run on an outbox an earlier version's live process sends bodies from
// (still marked injectkit-outbox/1) exits 2 before the inject runs: its
// bodies would mark the file /2, which that process refuses, so that the
// bodies the backend accepted from it would stay pending, posted twice.
func TestRunOnAnOutboxAnEarlierVersionSendsFrom(t *testing.T) {
	box, older := outboxWithAnEarlierVersion(t)
	outboxtest.SentByOlderVersion(t, box, older.Pid)
	be := newSwitchable(t, http.StatusOK)
	env := map[string]string{"INJECTKIT_OUTBOX": box}

	r := run(t, registry(), env, "run", "noop", "--inject-id", "inj-new", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	want := "pid " + strconv.Itoa(older.Pid) + ", a process of an earlier injectkit, is sending bodies from it"
	if r.code != 2 || !strings.Contains(r.stderr, want) || len(be.got()) != 0 {
		t.Errorf("run: exit %d, %d posts; want 2 saying %q, nothing sent:\n%s%s", r.code, len(be.got()), want, r.stdout, r.stderr)
	}
	keptAsTheEarlierVersionLeftIt(t, box, "after the refused run")
}

// A run whose outbox an earlier version's live process starts sending
// from while the inject runs (checked before the run, refused at the
// store) sends its result without storing it, with a WARN saying why, as
// a full outbox's: the inject ran, and its result is not thrown away.
// The file keeps its mark and the earlier body alone.
func TestRunWhoseOutboxAnEarlierVersionClaimsMeanwhile(t *testing.T) {
	box, older := outboxWithAnEarlierVersion(t)
	reg := registry(func(r *framework.Registry) {
		r.Register("claimed", func() framework.Executor {
			return &frameworktest.Executor{Run: func(context.Context, *framework.Inject) framework.ToolOutput {
				outboxtest.SentByOlderVersion(t, box, older.Pid) // while the inject runs
				return framework.ToolOutput{}
			}}
		})
	})
	be := newSwitchable(t, http.StatusOK)
	env := map[string]string{"INJECTKIT_OUTBOX": box}

	r := run(t, reg, env, "run", "claimed", "--inject-id", "inj-new", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "warn")
	want := "pid " + strconv.Itoa(older.Pid) + ", a process of an earlier injectkit, is sending bodies from it"
	if r.code != 0 || len(be.got()) != 1 || !strings.Contains(r.stderr, "outbox not writable: sending the signatures without storing them") ||
		!strings.Contains(r.stderr, want) {
		t.Errorf("run: exit %d, %d posts; want 0, the result posted unstored with a WARN saying %q:\n%s%s",
			r.code, len(be.got()), want, r.stdout, r.stderr)
	}
	keptAsTheEarlierVersionLeftIt(t, box, "after the run")
}

// outboxWithAnEarlierVersion makes an outbox holding one pending body and
// starts a process standing for an earlier version's (killed when the
// test ends); the caller marks the outbox as that process sending from it
// (outboxtest.SentByOlderVersion) when its case needs it.
func outboxWithAnEarlierVersion(t *testing.T) (box string, older *os.Process) {
	t.Helper()
	cmd := exec.Command("sleep", "60") // the earlier version's process
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	box = filepath.Join(t.TempDir(), "outbox.db")
	storeBodies(t, box, outbox.Entry{InjectID: "inj-old", Phase: "execution_complete", BaseURL: "http://127.0.0.1:9", Body: []byte(`{"old":1}`)})
	return box, cmd.Process
}

// keptAsTheEarlierVersionLeftIt checks that the outbox at box is still
// marked injectkit-outbox/1 and holds the earlier body alone.
func keptAsTheEarlierVersionLeftIt(t *testing.T, box, when string) {
	t.Helper()
	outboxtest.View(t, box, func(tx *bolt.Tx) error {
		if mark := string(tx.Bucket([]byte("meta")).Get([]byte("format"))); mark != "injectkit-outbox/1" || tx.Bucket([]byte("pending")).Stats().KeyN != 1 {
			t.Errorf("%s: marked %q, %d pending; want injectkit-outbox/1, the earlier body alone", when, mark, tx.Bucket([]byte("pending")).Stats().KeyN)
		}
		return nil
	})
}
