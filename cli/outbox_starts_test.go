package cli_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

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
