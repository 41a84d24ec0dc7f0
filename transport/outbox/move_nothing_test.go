package outbox

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A Move that finds nothing to move (no body stored for that backend)
// leaves the file as it was, byte for byte: `outbox move` of a mistyped
// --from exits 1 saying nothing moved, and it wrote the file all the
// same, an empty commit (bbolt's meta page and transaction id).
func TestMoveOfNothingLeavesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	r := putComplete(t, s)
	if err := s.MarkFailed(r.ID, 1, "status 500", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	was, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{})
	res, err := s.Move(context.Background(), func(b string) bool { return b == "http://127.0.0.1:2" }, "http://127.0.0.1:3")
	if err != nil || res != (MoveResult{}) {
		t.Errorf("move of a backend the outbox holds nothing for: %+v, %v; want nothing moved, no error", res, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, was) {
		t.Errorf("the file changed (%v): a move of nothing wrote it", err)
	}
	s = mustOpen(t, path, Options{})
	t.Cleanup(func() { _ = s.Close() })
	if got, err := s.Get(r.ID); err != nil || got.BaseURL != completeEntry().BaseURL {
		t.Errorf("record after the move of nothing: %+v, %v; want it as it was", got, err)
	}
}
