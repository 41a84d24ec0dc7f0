package outbox

import (
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestHelperChild is the child process of the liveness tests: it runs
// until its standard input closes.
func TestHelperChild(t *testing.T) {
	if os.Getenv("OUTBOX_HELPER_CHILD") != "1" {
		t.Skip("helper process")
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startChild starts a child process that exits when the returned writer
// is closed; the test reaps it at the end.
func startChild(t *testing.T) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperChild$")
	cmd.Env = append(os.Environ(), "OUTBOX_HELPER_CHILD=1")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Close(); _ = cmd.Wait() })
	return cmd, in
}

// awaitExitUnreaped blocks until process pid exits, leaving it unreaped:
// waitid with WNOWAIT.
func awaitExitUnreaped(t *testing.T, pid int) {
	t.Helper()
	const pPID, wExited, wNoWait = 1, 4, 0x1000000
	var info [128]byte // siginfo_t
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info[0])), wExited|wNoWait, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			t.Fatalf("waitid: %v", errno)
		}
		return
	}
}

// An owner is alive while it runs as the process that took the lease; a
// recorded start time that is not the process's means the pid was reused;
// a killed but unreaped (zombie) owner is dead, and its bodies are free at
// once, lease or not.
func TestAliveZombieAndReusedPid(t *testing.T) {
	cmd, in := startChild(t)
	pid := cmd.Process.Pid
	start := processStart(pid)
	if start == 0 {
		t.Fatalf("start time of the child: %d", start)
	}
	s, now, rec := putLeased(t)
	id := rec.ID
	if rec.OwnerStart != processStart(os.Getpid()) || rec.OwnerStart == 0 {
		t.Errorf("lease taken with start time %d", rec.OwnerStart)
	}
	s.unclaim(id) // as if another process had put it
	owned := func(start uint64) Record {
		t.Helper()
		r, err := s.update(id, func(r *Record) error {
			r.Owner, r.OwnerStart, r.LeaseUntil = pid, start, now.Add(time.Hour)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name  string
		start uint64
		busy  bool
	}{
		{"running owner", start, true},
		{"start time unknown", 0, true},
		{"pid reused", start + 1, false},
	}
	for _, tt := range tests {
		if got := alive(pid, tt.start); got != tt.busy {
			t.Errorf("%s: alive = %t", tt.name, got)
		}
		if got := s.Busy(owned(tt.start)); got != tt.busy {
			t.Errorf("%s: Busy = %t", tt.name, got)
		}
	}

	_ = in.Close()
	awaitExitUnreaped(t, pid)
	if st, err := readProcStat(pid); err != nil || st.state != 'Z' {
		t.Fatalf("child not a zombie: %+v %v", st, err)
	}
	if !signalable(pid) {
		t.Fatal("kill(pid, 0) fails on the zombie: the test proves nothing")
	}
	for _, st := range []uint64{start, 0} {
		if alive(pid, st) {
			t.Errorf("zombie alive (start %d)", st)
		}
		r := owned(st)
		if s.Busy(r) {
			t.Errorf("zombie's body busy (start %d)", st)
		}
		got, ok, err := s.Claim(id)
		if !ok || err != nil || got.Owner != os.Getpid() || got.OwnerStart != processStart(os.Getpid()) {
			t.Errorf("zombie's body not claimed (start %d): %v %v %+v", st, ok, err, got)
		}
		s.unclaim(id)
	}
}
