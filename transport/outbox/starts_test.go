package outbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestHelperStartRun is the child process of the starts tests: it records
// n starts of the inject OUTBOX_STARTS_CHILD names ("<outbox>|<inject
// id>|<n>[|close]") and exits while it "runs" them, as a process whose
// injector panicked in a goroutine does (n such processes, one after the
// other), or, with close, once it closed the outbox, as a daemon whose
// shutdown returned the messages to the queue does, or, with exit-now,
// once it removed the starts of its runs in flight without closing it, as
// a daemon told to exit now (a second signal) does.
func TestHelperStartRun(t *testing.T) {
	arg := os.Getenv("OUTBOX_STARTS_CHILD")
	if arg == "" {
		t.Skip("helper process")
	}
	f := strings.Split(arg, "|")
	n, _ := strconv.Atoi(f[2])
	s, err := Open(f[0], Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		os.Exit(3)
	}
	for range n {
		if _, _, err := s.StartRun(f[1], 1<<20); err != nil { // a start whatever came before
			os.Exit(4)
		}
	}
	switch {
	case len(f) > 3 && f[3] == "close":
		if err := s.Close(); err != nil {
			os.Exit(5)
		}
	case len(f) > 3 && f[3] == "exit-now":
		// main's exit at a second signal: the store is not closed.
		if err := s.EndOpenRuns(); err != nil {
			os.Exit(5)
		}
	}
	os.Exit(2) // no End: the process ends during the runs
}

// crashDuring runs a process that starts inject id n times, recorded in
// the outbox at path, and ends before the runs do.
func crashDuring(t *testing.T, path, id string, n int) {
	t.Helper()
	exitDuring(t, path, id, n, "")
}

// exitDuring runs a process that starts inject id n times, recorded in
// the outbox at path, and ends before the runs do; how is "close" when it
// closes the outbox first, "exit-now" when it removes the starts of its
// runs in flight first without closing it.
func exitDuring(t *testing.T, path, id string, n int, how string) {
	t.Helper()
	if n == 0 {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartRun$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("OUTBOX_STARTS_CHILD=%s|%s|%d|%s", path, id, n, how))
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("the child did not end during its run: %v", err)
	}
}

// TestStartRun checks that the starts of an inject whose process ended
// during the run are counted, durably, and those that ended, or still
// run, are not: a redelivery (a bound) past the bound records nothing, a
// first delivery (no bound) forgets what came before.
func TestStartRun(t *testing.T) {
	tests := []struct {
		name        string
		crashes     int  // processes that ended while running the inject
		ended       int  // runs of this process that ended (End)
		running     bool // a run of this process in flight
		after       bool // a run of this process started after the new one
		bound       int
		wantCrashed int
		wantRun     bool
		wantLeft    int // starts recorded once the new run ended, if any ran
	}{
		{name: "never started", bound: 2, wantRun: true},
		{name: "one run ended the process", crashes: 1, bound: 2, wantCrashed: 1, wantRun: true},
		{name: "two runs ended the process: not run", crashes: 2, bound: 2, wantCrashed: 2, wantLeft: 2},
		{name: "three runs ended the process: not run", crashes: 3, bound: 2, wantCrashed: 3, wantLeft: 3},
		{name: "runs that ended are not counted", ended: 3, bound: 2, wantRun: true},
		{name: "a run in flight is not counted", running: true, crashes: 1, bound: 2, wantCrashed: 1, wantRun: true, wantLeft: 1},
		{name: "first delivery: earlier starts forgotten", crashes: 2, bound: 0, wantRun: true},
		{name: "a run started after it is kept", after: true, bound: 2, wantRun: true, wantLeft: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			crashDuring(t, path, "i-1", tt.crashes)
			s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for range tt.ended {
				r, _, err := s.StartRun("i-1", tt.bound)
				if err != nil || r == nil {
					t.Fatalf("StartRun = %v, %v", r, err)
				}
				r.End()
			}
			// startElsewhere starts a run of i-1 by another Store of this
			// process, open until the test ends.
			startElsewhere := func() {
				other, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { other.Close() })
				if _, _, err := other.StartRun("i-1", tt.bound); err != nil {
					t.Fatal(err)
				}
			}
			if tt.running { // open while counted
				startElsewhere()
			}
			run, crashed, err := s.StartRun("i-1", tt.bound)
			if err != nil {
				t.Fatal(err)
			}
			if crashed != tt.wantCrashed || (run != nil) != tt.wantRun {
				t.Errorf("StartRun: crashed %d, run %v; want %d, %v", crashed, run != nil, tt.wantCrashed, tt.wantRun)
			}
			if tt.after { // its record is no longer the new run's alone
				startElsewhere()
			}
			run.End()
			if err := s.Close(); err != nil { // waits for the removal
				t.Fatal(err)
			}
			if got := countStarts(t, path, "i-1"); got != tt.wantLeft {
				t.Errorf("%d starts left recorded, want %d", got, tt.wantLeft)
			}
		})
	}
}

// TestForgetStarts checks that an inject settled without a run forgets
// its starts that ended the process, and keeps those still running.
func TestForgetStarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	crashDuring(t, path, "i-1", 2)
	s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	live, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, _, err := live.StartRun("i-1", 0); err != nil {
		t.Fatal(err)
	}
	crashDuring(t, path, "i-1", 1)
	s.ForgetStarts("i-1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := countStarts(t, path, "i-1"); got != 1 {
		t.Errorf("%d starts left, want 1: the run of the process that lives", got)
	}
}

// TestStartRunEndedByClose checks that the starts of runs still in flight
// when their process closes the outbox (a daemon's graceful shutdown,
// which returns their messages to the queue), or removes them as it exits
// at once (a second signal), are not counted as runs that
// ended the process, however many such processes came, while those of a
// process that ended without closing it (a kill, a panic) are, and stay
// so when a later process closes the outbox during its own run.
func TestStartRunEndedByClose(t *testing.T) {
	tests := []struct {
		name        string
		closed      int // processes that closed the outbox during a run
		exitedNow   int // processes that ended it as main does at a second signal
		crashes     int // processes that ended during a run without closing it
		wantCrashed int
		wantRun     bool
	}{
		{name: "two graceful shutdowns", closed: 2, wantRun: true},
		{name: "two exits at a second signal", exitedNow: 2, wantRun: true},
		{name: "five graceful shutdowns", closed: 5, wantRun: true},
		{name: "one kill, one graceful shutdown", closed: 1, crashes: 1, wantCrashed: 1, wantRun: true},
		{name: "two kills, then graceful shutdowns", closed: 2, crashes: 2, wantCrashed: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			for range tt.crashes {
				exitDuring(t, path, "i-1", 1, "")
			}
			for range tt.closed {
				exitDuring(t, path, "i-1", 1, "close")
			}
			for range tt.exitedNow {
				exitDuring(t, path, "i-1", 1, "exit-now")
			}
			s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			run, crashed, err := s.StartRun("i-1", 2) // a redelivery
			if err != nil {
				t.Fatal(err)
			}
			if crashed != tt.wantCrashed || (run != nil) != tt.wantRun {
				t.Errorf("StartRun: crashed %d, run %v; want %d, %v", crashed, run != nil, tt.wantCrashed, tt.wantRun)
			}
		})
	}
}

// countStarts returns how many starts of inject id the outbox at path
// records.
func countStarts(t *testing.T, path, id string) int {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	err = s.do(false, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStarts)
		if b == nil {
			return nil
		}
		rec, err := s.readStarts(b, id)
		n = len(rec.Runs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStartsListedAndDropped checks that the starts recorded are listed
// with ids no body or send has, that one whose process ended is dropped by
// its id (and then no longer counts), and that one whose process still
// runs it is not.
func TestStartsListedAndDropped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	crashDuring(t, path, "i-1", 2)
	s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.Put(entry("i-1", 0, 1, "{}"))
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := s.StartRun("i-2", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer live.End()
	starts, err := s.Starts()
	if err != nil || len(starts) != 3 {
		t.Fatalf("starts %+v, %v; want 3", starts, err)
	}
	ids := map[uint64]bool{recs[0].ID: true}
	for i, r := range starts {
		if ids[r.ID] {
			t.Errorf("start %+v shares its id with another record", r)
		}
		ids[r.ID] = true
		wantInject, wantRunning := "i-1", false // the crashed child's
		if i == 2 {
			wantInject, wantRunning = "i-2", true
		}
		if r.InjectID != wantInject || s.Running(r) != wantRunning {
			t.Errorf("start %d: %+v running %t, want %s running %t", i, r, s.Running(r), wantInject, wantRunning)
		}
	}
	if _, err := s.DropStart(recs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DropStart of a body's id: %v, want ErrNotFound", err)
	}
	var be *BusyError
	if _, err := s.DropStart(starts[2].ID); !errors.As(err, &be) || !be.Running {
		t.Errorf("DropStart of a running start: %v, want a *BusyError", err)
	}
	got, err := s.DropStart(starts[0].ID)
	if err != nil || got.InjectID != "i-1" {
		t.Fatalf("DropStart: %+v, %v", got, err)
	}
	if run, crashed, err := s.StartRun("i-1", 2); err != nil || run == nil || crashed != 1 {
		t.Errorf("after the drop: run %v, %d crashed, %v; want a run, 1 crashed", run != nil, crashed, err)
	} else {
		run.End()
	}
}

// TestDropStartSharedID checks that DropStart of an id two starts share
// (earlier builds numbered the starts alike, so one of their starts may
// have the id of another) is refused as ambiguous and removes neither,
// of one inject or of two.
func TestDropStartSharedID(t *testing.T) {
	for _, tc := range []struct {
		name    string
		injects []string // the inject of each start, in the order recorded
		named   string   // what the refusal says of them
	}{
		{"one inject", []string{"i-1", "i-1"}, "run-7 names 2 runs (of inject i-1),"},
		{"two injects", []string{"i-1", "i-2"}, "run-7 names 2 runs (of injects i-1, i-2),"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			for _, id := range tc.injects {
				crashDuring(t, path, id, 1)
			}
			s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// The earlier build's start: its id is the later one's.
			const shared = 7
			err = s.do(true, func(tx *bolt.Tx) error {
				b := tx.Bucket(bucketStarts)
				for _, id := range tc.injects {
					rec, err := s.readStarts(b, id)
					if err != nil {
						return err
					}
					for i := range rec.Runs {
						rec.Runs[i].Seq = shared
					}
					if err := writeStarts(b, rec); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.DropStart(shared)
			if !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("DropStart: %v; want ErrAmbiguous", err)
			}
			// The outbox named once, each inject once.
			if msg := err.Error(); strings.Count(msg, path) != 1 || !strings.Contains(msg, tc.named) {
				t.Errorf("DropStart: %q; want the outbox named once and %q", msg, tc.named)
			}
			starts, err := s.Starts()
			if err != nil || len(starts) != 2 || starts[0].ID != shared || starts[1].ID != shared {
				t.Fatalf("after the refused DropStart: %+v, %v; want both starts %d left", starts, err, shared)
			}
		})
	}
}
