package cli_test

import (
	"context"
	"errors"
	"fmt"
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

// TestHelperOutboxStart is the child process of TestOutboxUnfinishedRuns:
// it records a start of the inject OUTBOX_START_CHILD names
// ("<outbox>|<inject id>") and exits during the run, as a serve process
// whose injector panicked in a goroutine does.
func TestHelperOutboxStart(t *testing.T) {
	arg := os.Getenv("OUTBOX_START_CHILD")
	if arg == "" {
		t.Skip("helper process")
	}
	path, id, _ := strings.Cut(arg, "|")
	s, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: outbox.DefaultTimeout})
	if err != nil {
		os.Exit(3)
	}
	if _, _, err := s.StartRun(id, 1<<20); err != nil { // a start whatever came before
		os.Exit(4)
	}
	os.Exit(2) // no End, no Close: the process ends during the run
}

// crashDuringRun records in the outbox at path a start of inject id whose
// process ended during the run.
func crashDuringRun(t *testing.T, path, id string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperOutboxStart$")
	cmd.Env = append(os.Environ(), "OUTBOX_START_CHILD="+path+"|"+id)
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("the child did not end during its run: %v", err)
	}
}

// TestOutboxUnfinishedRuns checks that `outbox list` shows the runs serve
// recorded in the outbox that have not ended (text and JSON): those that
// ended with their process, which bring the inject closer to its terminal
// ERROR, and those still running; and that `outbox drop` forgets one that
// ended, but not one still running.
func TestOutboxUnfinishedRuns(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	crashDuringRun(t, box, "inj-crashed")
	crashDuringRun(t, box, "inj-crashed")
	crashDuringRun(t, box, "inj-once")
	s, err := outbox.Open(box, outbox.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	running, _, err := s.StartRun("inj-running", 0) // this process runs it
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer running.End()
	env := map[string]string{"INJECTKIT_OUTBOX": box}

	got := listOutbox(t, env)
	byInject := map[string]int{}
	states := map[string][]string{}
	var crashedIDs []string
	runningID := ""
	for _, g := range got.UnfinishedRuns {
		byInject[g.InjectID] = g.Unfinished
		for _, run := range g.Runs {
			states[g.InjectID] = append(states[g.InjectID], run.State)
			if !strings.HasPrefix(run.ID, "run-") || run.Owner == 0 || run.Started == "" {
				t.Errorf("run %+v of %s: want its id, pid and start", run, g.InjectID)
			}
			switch {
			case g.InjectID == "inj-crashed":
				crashedIDs = append(crashedIDs, run.ID)
			case g.InjectID == "inj-running":
				runningID = run.ID
				if run.Owner != os.Getpid() {
					t.Errorf("running run of pid %d, want %d", run.Owner, os.Getpid())
				}
			}
		}
	}
	if byInject["inj-crashed"] != 2 || byInject["inj-once"] != 1 || byInject["inj-running"] != 0 ||
		fmt.Sprint(states["inj-running"]) != "[running]" || fmt.Sprint(states["inj-crashed"]) != "[unfinished unfinished]" {
		t.Fatalf("unfinished_runs %+v, want inj-crashed 2, inj-once 1, inj-running running", got.UnfinishedRuns)
	}

	r := run(t, registry(), env, "outbox", "list")
	for _, want := range []string{
		"inject inj-crashed: 2 runs ended unfinished here, the process ending while it ran (" + crashedIDs[0] + " by pid ",
		"a redelivery of its message to a daemon on this outbox is answered ERROR, not run; " +
			"whether another daemon has finished the inject since, this outbox cannot tell " +
			"(once the platform shows it finished, or its message is gone, forget them with: injectkit outbox drop " + crashedIDs[0] + ", drop " + crashedIDs[1] + ")",
		"inject inj-once: 1 run ended unfinished here",
		"one more and a redelivery of its message to a daemon on this outbox is answered ERROR, not run; whether another daemon",
		"inject inj-running: " + runningID + " being run by pid " + strconv.Itoa(os.Getpid()) + " since ",
	} {
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("list: exit %d, want %q in:\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}

	id := crashedIDs[0]
	r = run(t, registry(), env, "outbox", "drop", id)
	if r.code != 0 || !strings.Contains(r.stdout, "dropped "+id+" (unfinished run of inject inj-crashed by pid ") {
		t.Errorf("drop %s: exit %d: %s%s", id, r.code, r.stdout, r.stderr)
	}
	r = run(t, registry(), env, "outbox", "drop", runningID)
	if want := runningID + " is being run by pid " + strconv.Itoa(os.Getpid()) + "; not dropped"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("drop of a run still running: exit %d, want 2 saying %q: %s", r.code, want, r.stderr)
	}
	r = run(t, registry(), env, "outbox", "drop", id)
	if r.code != 2 || !strings.Contains(r.stderr, `invalid id "`+id+`"`) {
		t.Errorf("drop again: exit %d, want 2 (not found): %s", r.code, r.stderr)
	}
	got = listOutbox(t, env)
	for _, g := range got.UnfinishedRuns {
		if g.InjectID == "inj-crashed" && (g.Unfinished != 1 || len(g.Runs) != 1 || g.Runs[0].ID != crashedIDs[1]) {
			t.Errorf("after the drop: %+v, want the other run of inj-crashed alone", g)
		}
	}

	// A redelivery now runs inj-crashed: one run ended unfinished is
	// under the bound.
	if run, crashed, err := s.StartRun("inj-crashed", 2); err != nil || run == nil || crashed != 1 {
		t.Errorf("redelivery after the drop: run %v, %d crashed, %v; want a run, 1 crashed", run != nil, crashed, err)
	} else {
		run.End()
	}
}
