package outbox

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	holder := mustOpen(t, path, Options{Command: "injectkit serve"})
	start := time.Now()
	_, err := Open(path, Options{Timeout: 200 * time.Millisecond})
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("error = %v, want a *LockedError", err)
	}
	if le.PID != os.Getpid() || le.Command != "injectkit serve" || le.Since.IsZero() {
		t.Errorf("holder %+v", le)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Error("did not wait for the lock")
	}
	for _, want := range []string{path, "process ", "injectkit serve"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	// Released on Close: the lock record goes, the next Open succeeds.
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock record left: %v", err)
	}
	s := mustOpen(t, path, Options{Timeout: 200 * time.Millisecond})
	_ = s.Close()
}

// In shared mode the file is locked only during an operation.
func TestSharedReleasesTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	a := mustOpen(t, path, Options{Shared: true, Timeout: 200 * time.Millisecond})
	defer a.Close()
	b := mustOpen(t, path, Options{Shared: true, Timeout: 200 * time.Millisecond})
	defer b.Close()
	if _, err := a.Put(entry("a", 0, 1, "{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Put(entry("b", 0, 1, "{}")); err != nil {
		t.Fatal(err)
	}
	list, err := a.List()
	if err != nil || len(list) != 2 {
		t.Errorf("list %v %v", list, err)
	}
}

// putLeased opens a temporary outbox whose clock stands still and puts one
// body, leased to this process: it returns the store, its time and the
// body's record.
func putLeased(t *testing.T) (*Store, time.Time, Record) {
	t.Helper()
	now := time.Now()
	s, r := putOne(t, Options{Now: func() time.Time { return now }})
	return s, now, r
}

// putOne opens a temporary outbox with opts and puts one body, leased to
// this process: it returns the store and the body's record.
func putOne(t *testing.T, opts Options) (*Store, Record) {
	t.Helper()
	s := openTemp(t, opts)
	recs, err := s.Put(entry("inj", 0, 1, "{}"))
	if err != nil {
		t.Fatal(err)
	}
	return s, recs[0]
}

// Claim refuses a body another live process owns, until the owner dies or
// its lease ends.
func TestClaimOwnership(t *testing.T) {
	s, now, rec := putLeased(t)
	id := rec.ID
	if _, ok, _ := s.Claim(id); ok {
		t.Error("claimed a body this process is delivering")
	}
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	setOwner := func(pid int, lease time.Time) {
		t.Helper()
		start := processStart(pid)
		if _, err := s.update(id, func(r *Record) error { r.Owner, r.OwnerStart, r.LeaseUntil = pid, start, lease; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	setOwner(other.Process.Pid, now.Add(time.Minute))
	r, _ := s.Get(id)
	if _, ok, err := s.Claim(id); ok || err != nil || !s.Busy(r) {
		t.Errorf("claimed a body a live process owns: %v %v", ok, err)
	}
	var be *BusyError
	if _, err := s.Drop(id); !errors.As(err, &be) || be.Owner != other.Process.Pid ||
		!strings.Contains(err.Error(), "being sent by pid "+strconv.Itoa(other.Process.Pid)) {
		t.Errorf("dropped a body a live process owns: %v", err)
	} else if n := strings.Count(err.Error(), s.Path()); n != 1 {
		t.Errorf("the refusal names the outbox %d times, want once: %v", n, err)
	}
	if _, err := s.Get(id); err != nil {
		t.Errorf("a refused drop removed the body: %v", err)
	}
	setOwner(other.Process.Pid, now.Add(-time.Second))
	if _, ok, err := s.Claim(id); !ok || err != nil {
		t.Errorf("lease over, not claimed: %v", err)
	}
	setOwner(other.Process.Pid, now.Add(time.Minute))
	_ = other.Process.Kill()
	_ = other.Wait()
	got, ok, err := s.Claim(id)
	if !ok || err != nil || got.Owner != os.Getpid() || string(got.Body) != "{}" {
		t.Errorf("owner dead, claim: %v %v %+v", ok, err, got)
	}
	s.unclaim(id)
	setOwner(other.Process.Pid, now.Add(time.Minute))
	if _, err := s.Drop(id); err != nil {
		t.Errorf("owner dead, drop: %v", err)
	}
	if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("dropped, still there: %v", err)
	}
}
