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
// id>|<n>") and exits while it "runs" them, as a process whose injector
// panicked in a goroutine does (n such processes, one after the other).
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
	os.Exit(2) // no End, no Close: the process ends during the runs
}

// crashDuring runs a process that starts inject id n times, recorded in
// the outbox at path, and ends before the runs do.
func crashDuring(t *testing.T, path, id string, n int) {
	t.Helper()
	if n == 0 {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartRun$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("OUTBOX_STARTS_CHILD=%s|%s|%d", path, id, n))
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
			if tt.running {
				if _, _, err := s.StartRun("i-1", tt.bound); err != nil {
					t.Fatal(err)
				}
			}
			run, crashed, err := s.StartRun("i-1", tt.bound)
			if err != nil {
				t.Fatal(err)
			}
			if crashed != tt.wantCrashed || (run != nil) != tt.wantRun {
				t.Errorf("StartRun: crashed %d, run %v; want %d, %v", crashed, run != nil, tt.wantCrashed, tt.wantRun)
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
	if _, _, err := s.StartRun("i-1", 0); err != nil {
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
