package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseLockRecord(t *testing.T) {
	tests := []struct {
		raw     string
		pid     int
		command string
		since   time.Time
	}{
		{"pid=42\ncommand=injectkit serve --queue q\nsince=2026-11-27T01:00:00Z\n", 42, "injectkit serve --queue q", time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)},
		{"pid=7\r\ncommand=a=b\r\n", 7, "a=b", time.Time{}},
		{"pid=-3\nsince=yesterday\n", 0, "", time.Time{}},
		{"", 0, "", time.Time{}},
		{"garbage\x00\xff", 0, "", time.Time{}},
	}
	for _, tt := range tests {
		pid, cmd, since := parseLockRecord([]byte(tt.raw))
		if pid != tt.pid || cmd != tt.command || !since.Equal(tt.since) {
			t.Errorf("parseLockRecord(%q) = %d, %q, %s", tt.raw, pid, cmd, since)
		}
	}
}

// FuzzParseLockRecord: any content of a lock file is read without panic,
// and a record this package writes reads back.
func FuzzParseLockRecord(f *testing.F) {
	f.Add("pid=42\ncommand=injectkit run\nsince=2026-11-27T01:00:00Z\n", 42, "injectkit run")
	f.Add("pid=\n", 1, "")
	f.Add("\n\n=\npid=99999999999999999999\n", 3, "x\ny")
	f.Fuzz(func(t *testing.T, raw string, pid int, command string) {
		parseLockRecord([]byte(raw))
		if pid <= 0 {
			return
		}
		command = strings.ReplaceAll(command, "\n", " ")
		command = strings.ReplaceAll(command, "\r", " ")
		rec := "pid=" + strconv.Itoa(pid) + "\ncommand=" + command + "\nsince=2026-11-27T01:00:00Z\n"
		gotPID, gotCmd, since := parseLockRecord([]byte(rec))
		if gotPID != pid || gotCmd != command || since.IsZero() {
			t.Errorf("round trip of %q: %d %q %s", rec, gotPID, gotCmd, since)
		}
	})
}

// A zero lock timeout tries the lock once and does not wait (it used to
// mean 30 s); a positive one waits for it. Each Open runs in a synctest
// bubble: bbolt's retries sleep on the bubble's clock, so the wait is
// measured exactly, whatever the load (it used to be real time, a zero
// timeout failing past 5 s).
func TestLockTimeout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	holder := mustOpen(t, path, Options{Command: "injectkit serve"})
	defer holder.Close()
	tests := []struct {
		timeout time.Duration
		message string
	}{
		{0, "did not wait (lock timeout 0)"},
		{-time.Second, "did not wait (lock timeout 0)"},
		{150 * time.Millisecond, "gave up after 150ms"},
	}
	for _, tt := range tests {
		t.Run(tt.timeout.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				_, err := Open(path, Options{Timeout: tt.timeout})
				waited := time.Since(start)
				var le *LockedError
				if !errors.As(err, &le) || !strings.Contains(err.Error(), tt.message) || le.PID != os.Getpid() {
					t.Fatalf("error = %v", err)
				}
				if want := max(tt.timeout, 0); waited != want {
					t.Errorf("waited %s with a lock timeout of %s, want %s", waited, tt.timeout, want)
				}
			})
		})
	}
}

// A read-only open (outbox list on a read-only file system) reads the
// records and writes nothing: no lock record, no file created, no write.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "outbox.db")
	s := mustOpen(t, path, Options{})
	if _, err := s.Put(entry("a", 0, 1, "{}")); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ro := mustOpen(t, path, Options{ReadOnly: true, Shared: true})
	if recs, err := ro.List(); err != nil || len(recs) != 1 || recs[0].InjectID != "a" {
		t.Errorf("list %+v %v", recs, err)
	}
	if _, err := os.Stat(path + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock record written: %v", err)
	}
	if _, err := ro.Put(entry("b", 0, 1, "{}")); err == nil {
		t.Error("a read-only outbox took a write")
	}
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the file changed")
	}
	missing := filepath.Join(dir, "missing.db")
	if _, err := Open(missing, Options{ReadOnly: true}); err == nil {
		t.Error("a missing file opened read-only")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a read-only open created %s: %v", missing, err)
	}
}

// A lock held with no record (the instants after an injectkit process
// took the lock and before it let go, or another program) is not said to
// be held by nobody known: the error says what may hold it.
func TestLockedWithoutRecord(t *testing.T) {
	path := lockedWithoutRecord(t)
	_, err := Open(path, Options{})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 0 {
		t.Fatalf("error = %v, want the lock's, no holder recorded", err)
	}
	if !strings.Contains(err.Error(), "an injectkit process opening or closing the outbox, one holding it that could not write its record (a full disk), or another program") {
		t.Errorf("error = %v, want what may hold the lock", err)
	}
}

// A lock record naming a process that has ended (an injectkit killed, the
// lock then taken by another program) does not name that process as the
// holder: the error says the record is stale.
func TestLockedStaleRecord(t *testing.T) {
	child := exec.Command(os.Args[0], "-test.run=^$")
	if err := child.Run(); err != nil {
		t.Fatal(err)
	}
	dead := child.ProcessState.Pid()
	tests := []struct {
		name   string
		record string
		stale  bool
	}{
		{"live holder", "", false},
		{"ended process", fmt.Sprintf("pid=%d\ncommand=injectkit run\nsince=2026-11-27T01:00:00Z\n", dead), true},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name   string
			record string
			stale  bool
		}{"reused pid", fmt.Sprintf("pid=%d\ncommand=injectkit run\nstart=%d\n", os.Getpid(), processStart(os.Getpid())+1), true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			holder := mustOpen(t, path, Options{Command: "injectkit serve"})
			defer holder.Close()
			if tt.record != "" {
				if err := os.WriteFile(path+".lock", []byte(tt.record), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Open(path, Options{})
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want the lock's", err)
			}
			stale := strings.Contains(err.Error(), "stale record of process "+strconv.Itoa(le.PID))
			named := strings.Contains(err.Error(), "locked by process "+strconv.Itoa(le.PID))
			if stale != tt.stale || named == tt.stale {
				t.Errorf("error = %v, want the record stale: %v", err, tt.stale)
			}
		})
	}
}

// A lock record that cannot be written (a full disk; here its name a
// directory that is not empty, which cannot be removed to create the
// record) does not stop the outbox from being used: the lock holds, the
// record is left out and said so once, and another process waiting for
// the lock is told its holder may be one without a record.
func TestLockRecordFullDisk(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "held", true: "shared"}[shared], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{})
			recs, err := s.Put(entry("a", 0, 1, "{}"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(path+".lock", "held"), 0o700); err != nil {
				t.Fatal(err)
			}
			var said []error
			full, err := Open(path, Options{Shared: shared, LockUnrecorded: func(err error) { said = append(said, err) }})
			if err != nil {
				t.Fatalf("open with the lock record on a full disk: %v", err)
			}
			if list, err := full.List(); err != nil || len(list) != 1 {
				t.Fatalf("list %+v, %v", list, err)
			}
			if !shared {
				_, err := Open(path, Options{})
				if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "one holding it that could not write its record (a full disk)") {
					t.Errorf("another open: %v, want locked, its holder maybe unrecorded", err)
				}
			}
			if err := full.Delete(recs[0].ID); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if err := full.Close(); err != nil {
				t.Fatal(err)
			}
			if len(said) != 1 || !errors.Is(said[0], syscall.ENOTEMPTY) && !errors.Is(said[0], syscall.EEXIST) {
				t.Errorf("LockUnrecorded got %v, want one the directory not removed", said)
			}
			if fi, err := os.Lstat(path + ".lock"); err != nil || !fi.IsDir() {
				t.Errorf("the directory at the record's name: %v, %v; want it left as it is", fi, err)
			}
		})
	}
}
