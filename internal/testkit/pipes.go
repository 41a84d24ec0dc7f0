package testkit

import (
	"errors"
	"os"
	"strconv"
	"testing"
)

// FIFO makes a named pipe at path, 0600, as a user's `mkfifo` would: its
// opening for reading waits for a writer. Where there are none (Windows)
// the test is skipped.
func FIFO(t testing.TB, path string) {
	t.Helper()
	err := mkfifo(path)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no named pipes here")
	}
	if err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
}

// OneShotFile returns a path that gives b once, as a shell's process
// substitution does (--ca-file <(cat ca.pem)): /dev/fd/N of a pipe whose
// writer wrote b and closed, so that a second open reads nothing. b must
// fit a pipe's buffer (64 KiB). Without /dev/fd the test is skipped.
func OneShotFile(t testing.TB, b []byte) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if _, err := w.Write(b); err != nil { // under a pipe's buffer
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	path := "/dev/fd/" + strconv.Itoa(int(r.Fd()))
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no /dev/fd here: %v", err)
	}
	return path
}

// ClosedPipe returns the write end of a pipe whose read end is closed:
// every write to it fails with EPIPE (and raises SIGPIPE in a process
// that does not handle it), as stdout does once `| head -n 1` has exited.
func ClosedPipe(t testing.TB) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() { w.Close() })
	return w
}
