package outbox

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestCompactGivesBackDeliveredBodies: a body delivered (removed) stays
// readable in the pages bbolt freed, the file under every threshold of
// compactIfFree; Compact leaves no byte of it in the file, keeps the
// bodies still pending byte for byte, and the Store goes on working on
// the new file, shared or not. A read-only Store, and a link, are
// refused, the file as it was.
func TestCompactGivesBackDeliveredBodies(t *testing.T) {
	marker := []byte("DELIVERED-BODY-MARKER-7f3a")
	body := func(seed byte, mark bool) []byte {
		b := make([]byte, 64<<10) // incompressible: stored as written
		_, _ = rand.NewChaCha8([32]byte{seed}).Read(b)
		if mark {
			copy(b[1000:], marker)
		}
		return b
	}
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "exclusive", true: "shared"}[shared], func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Shared: shared})
			defer s.Close()
			gone, err := s.Put(Entry{InjectID: "i", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: body(1, true)})
			if err != nil {
				t.Fatal(err)
			}
			keptBody := body(2, false)
			kept, err := s.Put(Entry{InjectID: "i", Phase: "p", ChunkIndex: 1, BaseURL: "http://127.0.0.1:1", Body: keptBody})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(gone[0].ID); err != nil {
				t.Fatal(err)
			}
			s.flushLazy()
			if raw, _ := os.ReadFile(path); !bytes.Contains(raw, marker) {
				t.Fatal("the delivered body is not in the file before Compact: the test proves nothing")
			}

			before, after, err := s.Compact()
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := os.ReadFile(path); bytes.Contains(raw, marker) {
				t.Errorf("the delivered body is still in the file after Compact (%d → %d bytes)", before, after)
			}
			if after > before {
				t.Errorf("size %d → %d", before, after)
			}
			r, err := s.Get(kept[0].ID)
			if err != nil || !bytes.Equal(r.Body, keptBody) {
				t.Fatalf("the pending body after Compact: %v (%d bytes, want %d)", err, len(r.Body), len(keptBody))
			}
			if _, err := s.Put(Entry{InjectID: "j", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte("x")}); err != nil {
				t.Fatalf("put after Compact: %v", err)
			}
			if list, err := s.List(); err != nil || len(list) != 2 {
				t.Errorf("list after Compact: %d records, %v", len(list), err)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "outbox.db")
		s := mustOpen(t, path, Options{Shared: true})
		if _, err := s.Put(Entry{InjectID: "i", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte("b")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link.db")
		if err := os.Symlink(path, link); err != nil {
			t.Fatal(err)
		}
		for name, opts := range map[string]struct {
			path string
			opts Options
		}{"read-only": {path, Options{Shared: true, ReadOnly: true}}, "link": {link, Options{Shared: true}}} {
			before := fileSize(t, path)
			ro := mustOpen(t, opts.path, opts.opts)
			if _, _, err := ro.Compact(); err == nil {
				t.Errorf("%s: Compact did not refuse", name)
			}
			_ = ro.Close()
			if fileSize(t, path) != before {
				t.Errorf("%s: the file changed", name)
			}
		}
	})
}
