package outbox

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Backends lists every backend a body was stored for, without its user
// information, once its bodies are deleted (delivered) too; Move adds the
// URL it moved records to and forgets the one it moved all of them from.
func TestBackends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	backends := func(want ...string) {
		t.Helper()
		got, err := s.Backends()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Backends = %q, want %q", got, want)
		}
	}
	backends()
	recs, err := s.Put(
		Entry{InjectID: "a", Phase: "p", BaseURL: "http://user:pw@127.0.0.1:8080/prefix", Body: []byte(`{"a":1}`)},
		Entry{InjectID: "b", Phase: "p", BaseURL: otherBase, Body: []byte(`{"b":1}`)},
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(recs[0].ID, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	backends(oldBase, otherBase)
	if _, err := s.Put(Entry{InjectID: "c", Phase: "p", BaseURL: oldBase, Body: []byte(`{"c":1}`)}); err != nil {
		t.Fatal(err)
	}
	// Moved by another Store, as by outbox move: this one's own bodies
	// are its deliverer's.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{})
	t.Cleanup(func() { _ = s.Close() })
	res, err := s.Move(context.Background(), func(b string) bool { return strings.TrimRight(b, "/") == oldBase }, movedBase+"/")
	if err != nil || res.Moved() != 1 {
		t.Fatalf("Move = %+v, %v", res, err)
	}
	backends(otherBase, movedBase)
	// A move that finds nothing changes nothing.
	if _, err := s.Move(context.Background(), func(b string) bool { return b == otherBase+"/none" }, "http://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	backends(otherBase, movedBase)
}
