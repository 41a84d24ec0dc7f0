//go:build unix && !solaris && !aix && !android

package outbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestLockWaitOnceTheLockWent checks what LockWait says of a Store
// OpenDeferred returned, its file held by another process (flock(1)) at
// start, once that process let go and an opening met something else: the
// file no longer an outbox. A read would not wait for any lock then: it
// fails at once with the file's fault, so LockWait says nil and a
// /metrics scrape (serve's watchOutbox) reads and reports that fault,
// instead of the lock gone, which it kept saying while serve's pause
// said the outbox unusable. While the lock is held it still says the
// lock, and once the file is an outbox again the opening succeeds.
func TestLockWaitOnceTheLockWent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	if err := mustOpen(t, path, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	free := holdInChild(t, path)
	s, err := OpenDeferred(path, Options{Shared: true, Timeout: DefaultTimeout}, 0)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("OpenDeferred = %v", err)
	}
	defer s.Close()
	if err := s.FinishOpen(0); !errors.Is(err, ErrLocked) {
		t.Fatalf("FinishOpen while held = %v", err)
	}
	if err := s.LockWait(); !errors.Is(err, ErrLocked) {
		t.Errorf("LockWait while held = %v, want the lock", err)
	}
	free()
	// Its pages overwritten: no longer a bbolt file.
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x5a}, len(good)), 0o600); err != nil {
		t.Fatal(err)
	}
	err = s.FinishOpen(0)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("FinishOpen of a file no longer an outbox = %v, want a *CorruptError", err)
	}
	if err := s.LockWait(); err != nil {
		t.Errorf("LockWait once an opening met no lock but a damaged file = %v, want nil (a read would not wait)", err)
	}
	if _, err := s.List(); !errors.As(err, &ce) {
		t.Errorf("List = %v, want the *CorruptError", err)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishOpen(0); err != nil {
		t.Fatalf("FinishOpen once the file is an outbox again = %v", err)
	}
	select {
	case <-s.Opened():
	default:
		t.Error("Opened not closed once opened")
	}
}
