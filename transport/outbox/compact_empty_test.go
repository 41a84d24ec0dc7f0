package outbox

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// An outbox that holds no body any more is compacted when it is let go
// of, however little of it is free (less than compactFloor): a flush that
// delivered every body of a large send left a file of 8 MiB holding
// nothing. It is then the size of a new outbox, and not compacted again
// at each operation; a compaction cut short leaves it whole.
func TestCompactEmptyOutbox(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "outbox.db")
	if err := mustOpen(t, fresh, Options{}).Close(); err != nil {
		t.Fatal(err)
	}
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprint("shared=", shared), func(t *testing.T) {
			full := filepath.Join(t.TempDir(), "outbox.db")
			filled(t, full, 3, 3, Options{Shared: shared}, nil)
			path := filepath.Join(t.TempDir(), "outbox.db")
			filled(t, path, 3, 0, Options{Shared: shared}, nil)
			if got, want := fileSize(t, path), fileSize(t, fresh); got > want {
				t.Errorf("emptied outbox (it held %d bytes) left at %d bytes, want at most %d, a new outbox's size",
					fileSize(t, full), got, want)
			}
			// Let go of at each operation (shared), or closed: no other
			// compaction.
			compactions := 0
			s := mustOpen(t, path, Options{Shared: shared})
			s.hooks.compact = func(step int) error {
				if step == 0 {
					compactions++
				}
				return nil
			}
			for range 3 {
				recs, err := s.Put(entry("small", 0, 1, "{}"))
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Delete(recs[0].ID); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if compactions != 0 {
				t.Errorf("an empty outbox of %d bytes compacted again: %d compactions", fileSize(t, path), compactions)
			}
			wantKept(t, path, nil)
		})
	}
	cutShortAtEachStep(t, "cut short at step ", 3, 0)
}

// An outbox that a send grew to less than compactEmptyFloor and then
// emptied keeps its size when let go of: the next send of that size
// reuses its pages (no growth of the file, whose every step is an fsync)
// instead of a compaction at each end (a new file, fsync'd, renamed in)
// followed by the growth again. W1 at 10 000 targets grows a new outbox
// to 512 KiB.
func TestEmptiedSmallOutboxKept(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprint("shared=", shared), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			send := func() int64 {
				t.Helper()
				s := mustOpen(t, path, Options{Shared: shared})
				compactions := 0
				s.hooks.compact = func(step int) error {
					if step == 0 {
						compactions++
					}
					return nil
				}
				var ids []uint64
				for i := range 2 {
					body := make([]byte, 256<<10)
					_, _ = rand.NewChaCha8([32]byte{byte(i)}).Read(body)
					recs, err := s.Put(Entry{InjectID: "small", Phase: "p", ChunkIndex: i, TotalChunks: 2,
						BaseURL: "http://127.0.0.1:1", Body: body})
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, recs[0].ID)
				}
				held := fileSize(t, path)
				if err := s.Delete(ids...); err != nil {
					t.Fatal(err)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				if compactions != 0 || fileSize(t, path) != held {
					t.Errorf("an emptied outbox of %d bytes compacted (%d compactions, %d bytes after), want kept",
						held, compactions, fileSize(t, path))
				}
				return held
			}
			first := send()
			if first >= compactEmptyFloor || first < 512<<10 {
				t.Fatalf("the send grew the outbox to %d bytes, want [512 KiB, %d)", first, compactEmptyFloor)
			}
			if again := send(); again != first {
				t.Errorf("the same send again grew the emptied outbox from %d to %d bytes, want its pages reused", first, again)
			}
			wantKept(t, path, nil)
		})
	}
}
