package outbox

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The holders of a lock on one file are read from /proc/locks as the
// kernel writes it: a process waiting for the lock, another file (another
// inode, or the same inode on another device), this process and a
// malformed line are none.
func TestParseLocks(t *testing.T) {
	const locks = `1: FLOCK  ADVISORY  WRITE 9867 fe:00:9978358 0 EOF
2: FLOCK  ADVISORY  READ 15207 fe:00:9995976 0 EOF
2: -> FLOCK  ADVISORY  WRITE 15300 fe:00:9995976 0 EOF
3: FLOCK  ADVISORY  READ 15208 fe:01:9995976 0 EOF
4: FLOCK  ADVISORY  WRITE 42 fe:00:9995976 0 EOF
5: FLOCK  ADVISORY  READ 15209 fe:00:9995976 0 EOF
6: POSIX  ADVISORY  WRITE x fe:00:9995976 0 EOF
7: FLOCK  ADVISORY
`
	tests := []struct {
		name string
		dev  string
		ino  uint64
		want []lockHolder
	}{
		{"readers, this process and a waiter left out", "fe:00", 9995976, []lockHolder{{15207, true}, {15209, true}}},
		{"a writer", "fe:00", 9978358, []lockHolder{{9867, false}}},
		{"another device", "fe:01", 9995976, []lockHolder{{15208, true}}},
		{"no lock", "fe:00", 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseLocks([]byte(locks), tt.dev, tt.ino, 42)
			if len(got) != len(tt.want) {
				t.Fatalf("holders = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("holder %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestHelperLockHolder is the child of TestLockedByUnrecordedHolder: it
// opens the outbox OUTBOX_TEST_HOLD names after "read:" (read-only, as
// outbox list does) or "write:", says "held" once it holds its lock, and
// holds it until its stdin closes.
func TestHelperLockHolder(t *testing.T) {
	mode, path, _ := strings.Cut(os.Getenv("OUTBOX_TEST_HOLD"), ":")
	if path == "" {
		t.Skip("the child of TestLockedByUnrecordedHolder")
	}
	s, err := Open(path, Options{ReadOnly: mode == "read", Command: "injectkit serve"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	os.Stdout.WriteString("held\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// A lock whose holder wrote no record (outbox list, which opens the file
// read-only and writes nothing; a holder whose record is gone) is named
// from /proc/locks: its pid, its program, and whether it only reads.
func TestLockedByUnrecordedHolder(t *testing.T) {
	tests := []struct {
		name   string
		read   bool
		want   string
		shared bool
	}{
		{"outbox list reading it", true, ", reading it (a shared lock, as outbox list holds while it reads", true},
		{"a writer without its record", false, ", which left no record in ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			if err := mustOpen(t, path, Options{}).Close(); err != nil {
				t.Fatal(err)
			}
			mode := "write:"
			if tt.read {
				mode = "read:"
			}
			cmd, out := StartChild(t, "TestHelperLockHolder", "OUTBOX_TEST_HOLD="+mode+path)
			if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "held\n" {
				t.Fatalf("child said %q, %v", line, err)
			}
			_ = os.Remove(path + ".lock") // a writer's record, gone
			_, err := Open(path, Options{})
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want a *LockedError", err)
			}
			if le.PID != cmd.Process.Pid || !le.Listed || le.Shared != tt.shared {
				t.Errorf("holder = pid %d, listed %v, shared %v; want pid %d, listed, shared %v", le.PID, le.Listed, le.Shared, cmd.Process.Pid, tt.shared)
			}
			if want := "locked by process " + strconv.Itoa(cmd.Process.Pid) + " ("; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q and %q", err, want, tt.want)
			}
		})
	}
}
