package outbox

import (
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// TestOpenHeld checks that a room check made right after OpenHeld (run's,
// before an inject runs) reads the file Open opened, without opening it
// again, that another process cannot take the file while it is held, and
// that it can at once after release: for a new file and an existing one.
func TestOpenHeld(t *testing.T) {
	for _, existing := range []bool{false, true} {
		t.Run(map[bool]string{false: "new file", true: "existing file"}[existing], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			if existing {
				s := mustOpen(t, path, Options{})
				if _, err := s.Put(entry("i-0", 0, 1, `{"a":1}`)); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			s, release, err := OpenHeld(path, Options{Shared: true})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var opens atomic.Int64
			s.SetOpenedHook(func() { opens.Add(1) })
			u, err := s.Usage()
			if err != nil || u.Older != nil {
				t.Fatalf("Usage = %+v, %v", u, err)
			}
			if existing && u.Bytes == 0 {
				t.Errorf("Usage.Bytes = 0, want the stored body's")
			}
			if got := opens.Load(); got != 0 {
				t.Errorf("the room check opened the file %d times, want 0 (Open's opening)", got)
			}
			if o, err := Open(path, Options{}); !errors.Is(err, ErrLocked) {
				if o != nil {
					o.Close()
				}
				t.Fatalf("Open by another process while held = %v, want ErrLocked", err)
			}
			release()
			release() // a second call does nothing
			o, err := Open(path, Options{})
			if err != nil {
				t.Fatalf("Open by another process after release: %v", err)
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Usage(); err != nil {
				t.Fatal(err)
			}
			if got := opens.Load(); got != 1 {
				t.Errorf("a check after release opened the file %d times, want 1", got)
			}
		})
	}
}
