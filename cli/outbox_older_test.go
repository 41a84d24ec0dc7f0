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
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(outbox.Entry{InjectID: "inj-old", Phase: "execution_complete", BaseURL: "http://127.0.0.1:9", Body: []byte(`{"old":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return box, cmd.Process
}

// keptAsTheEarlierVersionLeftIt checks that the outbox at box is still
// marked injectkit-outbox/1 and holds the earlier body alone.
func keptAsTheEarlierVersionLeftIt(t *testing.T, box, when string) {
	t.Helper()
	db, err := bolt.Open(box, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bolt.Tx) error {
		if mark := string(tx.Bucket([]byte("meta")).Get([]byte("format"))); mark != "injectkit-outbox/1" || tx.Bucket([]byte("pending")).Stats().KeyN != 1 {
			t.Errorf("%s: marked %q, %d pending; want injectkit-outbox/1, the earlier body alone", when, mark, tx.Bucket([]byte("pending")).Stats().KeyN)
		}
		return nil
	})
}
