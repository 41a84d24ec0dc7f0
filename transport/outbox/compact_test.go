package outbox

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// filled returns the outbox at path, closed, after n incompressible
// bodies of 1 MiB were stored (the most the file held) and all but the
// first keep removed, and the bodies kept, by id. Each step before the
// compaction's (see SetCompactHook) is passed to hook.
func filled(t *testing.T, path string, n, keep int, opts Options, hook func(step int) error) map[uint64][]byte {
	t.Helper()
	s := mustOpen(t, path, opts)
	rng := rand.NewChaCha8([32]byte{7})
	kept := map[uint64][]byte{}
	var gone []uint64
	for i := range n {
		body := make([]byte, 1<<20)
		_, _ = rng.Read(body)
		recs, err := s.Put(Entry{InjectID: "big", Phase: "p", ChunkIndex: i, TotalChunks: n, BaseURL: "http://127.0.0.1:1", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if i < keep {
			kept[recs[0].ID] = body
		} else {
			gone = append(gone, recs[0].ID)
		}
	}
	if err := s.Delete(gone...); err != nil {
		t.Fatal(err)
	}
	s.hooks.compact = hook
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return kept
}

// mostlyFreeN is the bodies of 1 MiB an outbox is filled with before
// all but two are removed to leave it mostly free: the 10 MiB freed are
// past compactFloor (8 MiB) whatever bbolt's layout, and most of the
// file, which is compacted when let go of (24 bodies, 22 MiB freed,
// proved no more in twice the time: 28 s for TestCompactGivesSpaceBack
// under -race on a loaded machine).
const mostlyFreeN = 12

// putMore stores twelve incompressible bodies of 1 MiB in s, growing its
// file, and returns their ids.
func putMore(t *testing.T, s *Store) []uint64 {
	t.Helper()
	var ids []uint64
	for i := range 12 {
		body := make([]byte, 1<<20)
		_, _ = rand.NewChaCha8([32]byte{byte(i)}).Read(body)
		recs, err := s.Put(Entry{InjectID: "more", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, recs[0].ID)
	}
	return ids
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// wantKept checks that the outbox at path holds the bodies kept, byte for
// byte, and nothing else, and that the next id it gives is a new one.
func wantKept(t *testing.T, path string, kept map[uint64][]byte) {
	t.Helper()
	s := mustOpen(t, path, Options{})
	defer s.Close()
	list, err := s.List()
	if err != nil || len(list) != len(kept) {
		t.Fatalf("%d records, want %d (%v)", len(list), len(kept), err)
	}
	var last uint64
	for id, body := range kept {
		r, err := s.Get(id)
		if err != nil || !bytes.Equal(r.Body, body) {
			t.Errorf("record %d: %v", id, err)
		}
		last = max(last, id)
	}
	if st, _ := s.Stats(); st.Bytes != int64(len(kept))<<20 {
		t.Errorf("bytes used %d, want %d", st.Bytes, len(kept)<<20)
	}
	recs, err := s.Put(entry("next", 0, 1, "{}"))
	if err != nil || recs[0].ID <= last {
		t.Errorf("next id %v after %d: %v", recs, last, err)
	}
}

// leftovers are the files beside the outbox.
func leftovers(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != filepath.Base(path) {
			out = append(out, e.Name())
		}
	}
	return out
}

// The file gives its space back once it is let go of mostly free: bbolt
// never shrinks it (a 100 000-body run left 118 MB for 0 bytes stored).
// What it holds stays, byte for byte, with its ids.
func TestCompactGivesSpaceBack(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprint("shared=", shared), func(t *testing.T) {
			full := filepath.Join(t.TempDir(), "outbox.db")
			keptAll := filled(t, full, mostlyFreeN, mostlyFreeN, Options{Shared: shared}, nil)
			path := filepath.Join(t.TempDir(), "outbox.db")
			kept := filled(t, path, mostlyFreeN, 2, Options{Shared: shared}, nil)
			if got, largest := fileSize(t, path), fileSize(t, full); got > largest/2 {
				t.Errorf("file of 2 bodies left at %d bytes, the file of %d at %d", got, mostlyFreeN, largest)
			}
			wantKept(t, path, kept)
			wantKept(t, full, keptAll)
			if left := leftovers(t, path); len(left) != 0 {
				t.Errorf("files left beside the outbox: %v", left)
			}
		})
	}
}

// A compaction cut short at any step (a crash, a full disk) leaves the
// outbox whole, the old file or the new one, and no other file.
func TestCompactCutShort(t *testing.T) {
	cutShortAtEachStep(t, "step ", 12, 3)
}

// cutShortAtEachStep fills an outbox with n bodies, keeps keep of them,
// and checks, for a compaction cut short at each step in turn, that the
// outbox holds what it kept and no file is left beside it.
func cutShortAtEachStep(t *testing.T, name string, n, keep int) {
	t.Helper()
	for step := range CompactSteps {
		t.Run(fmt.Sprint(name, step), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			reached := false
			kept := filled(t, path, n, keep, Options{}, func(at int) error {
				if at == step {
					reached = true
					return errors.New("cut short")
				}
				return nil
			})
			if !reached {
				t.Fatal("no compaction")
			}
			wantKept(t, path, kept)
			if left := leftovers(t, path); len(left) != 0 {
				t.Errorf("files left beside the outbox: %v", left)
			}
		})
	}
}

// The new file of a compaction a crash cut short (the process killed
// before it removed it) is removed by the next process to open the outbox.
func TestCompactLeftoverRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(filepath.Dir(path), ".outbox.db.compact-12345")
	if err := os.WriteFile(left, bytes.Repeat([]byte{1}, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{})
	defer s.Close()
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("leftover of a compaction still there: %v", err)
	}
}

// A process that opened the file, and waited for its lock, while another
// compacted it, gets the lock of a file no longer at the path: it opens
// the new one, and what it writes is in the outbox, not in the old file
// the compaction unlinked.
func TestCompactWhileAnotherWaits(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("watches /proc/self/fd")
	}
	path := filepath.Join(t.TempDir(), "outbox.db")
	kept := filled(t, path, 3, 3, Options{}, nil)
	holder := mustOpen(t, path, Options{})
	// Grow the file and free it, so that the holder's Close compacts it.
	gone := putMore(t, holder)
	if err := holder.Delete(gone...); err != nil {
		t.Fatal(err)
	}
	type opened struct {
		s   *Store
		err error
	}
	waiter := make(chan opened, 1)
	holder.hooks.compact = func(step int) error {
		if step != 2 { // before the rename
			return nil
		}
		go func() {
			s, err := Open(path, Options{Timeout: DefaultTimeout})
			waiter <- opened{s, err}
		}()
		// The waiter has the old file open (and waits for its lock).
		for openCount(t, path) < 2 {
			runtime.Gosched()
		}
		return nil
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	w := <-waiter
	if w.err != nil {
		t.Fatal(w.err)
	}
	recs, err := w.s.Put(entry("after", 0, 1, "{}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.s.Close(); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, path, Options{})
	defer s.Close()
	if _, err := s.Get(recs[0].ID); err != nil {
		t.Errorf("the waiter's record is not in the outbox: %v", err)
	}
	if list, _ := s.List(); len(list) != len(kept)+1 {
		t.Errorf("%d records, want %d", len(list), len(kept)+1)
	}
}

// openCount is how many of this process's file descriptors are open on
// the file at path.
func openCount(t *testing.T, path string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		if to, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && to == path {
			n++
		}
	}
	return n
}

// A Store whose compaction failed (a directory it may not write, say)
// tries no other: in Shared mode it would copy the file at each operation.
func TestCompactFailedNotRetried(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{Shared: true})
	defer s.Close()
	gone := putMore(t, s)
	tries := 0
	s.hooks.compact = func(step int) error {
		if step == 0 {
			tries++
		}
		return errors.New("cut short")
	}
	if err := s.Delete(gone...); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Stats(); err != nil {
			t.Fatal(err)
		}
	}
	if tries != 1 {
		t.Errorf("%d compactions tried, want 1", tries)
	}
}

// An outbox named through a link is not compacted (the new file would
// replace the link, the file it names keeping the old records), and a
// compacted file keeps its permissions.
func TestCompactKeepsLinkAndMode(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.db")
	link := filepath.Join(dir, "outbox.db")
	// The file first: a link to nothing is refused (CheckFile).
	if err := mustOpen(t, target, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	kept := filled(t, link, mostlyFreeN, 2, Options{}, nil)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link is no longer a link: %v %v", fi, err)
	}
	wantKept(t, target, kept)

	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	filled(t, path, mostlyFreeN, 2, Options{}, nil)
	if size := fileSize(t, path); size > mostlyFreeN<<20/2 {
		t.Fatalf("not compacted: %d bytes", size)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("compacted file's mode %v, want 0640 (%v)", fi.Mode().Perm(), err)
	}
}

// A process that finds the outbox locked while another compacts it (the
// longest hold) is told which process holds it: the lock record stays
// until the compaction renames its file in.
func TestCompactHolderRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	filled(t, path, 3, 3, Options{}, nil)
	holder := mustOpen(t, path, Options{Command: "injectkit holder"})
	gone := putMore(t, holder)
	if err := holder.Delete(gone...); err != nil {
		t.Fatal(err)
	}
	var locked error
	holder.hooks.compact = func(step int) error {
		if step == 0 { // copying
			_, locked = Open(path, Options{})
		}
		return nil
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	var le *LockedError
	if !errors.As(locked, &le) {
		t.Fatalf("opened during the compaction: %v, want the lock's error", locked)
	}
	if le.PID != os.Getpid() || le.Command != "injectkit holder" {
		t.Errorf("locked by pid %d (%q), want the compacting process %d: %v", le.PID, le.Command, os.Getpid(), locked)
	}
	if _, err := os.Stat(path + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock record left after the close: %v", err)
	}
}
