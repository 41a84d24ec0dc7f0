//go:build linux

package outbox

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// incompressible returns n bytes of random letters: a body the outbox
// cannot store in fewer bytes than its own.
func incompressible(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(rand.Text())
	}
	return b.String()[:n]
}

// TestUsageUnwritableUntilTheDiskHasRoom is the lead's finding from a
// failed CI run (forty-fourth session): on a full file system, a body
// refused (ENOSPC) set Usage.Unwritable, and the next write that
// succeeded all the same (a removal, rewriting pages the file already
// had) cleared it, the disk still full: serve then ran an inject whose
// result could not be stored either, and with both workers holding such
// results /healthz said ok. A write that succeeds now ends the refusal
// only once the file system shows room again.
func TestUsageUnwritableUntilTheDiskHasRoom(t *testing.T) {
	dir := testkit.SmallDisk(t, "256k")
	s := mustOpen(t, filepath.Join(dir, "outbox.db"), Options{})
	t.Cleanup(func() { _ = s.Close() })
	first, err := s.Put(entry("i-first", 0, 1, incompressible(6000)))
	if err != nil {
		t.Fatal(err)
	}
	testkit.FillDisk(t, dir)
	unwritable := func(step string, want error) {
		t.Helper()
		u, err := s.Usage()
		if err != nil {
			t.Fatal(err)
		}
		if want == nil && u.Unwritable != nil || want != nil && !errors.Is(u.Unwritable, want) {
			t.Errorf("%s: Usage.Unwritable %v (free %d), want %v", step, u.Unwritable, u.Free, want)
		}
	}
	if _, err := s.Put(entry("i-large", 0, 1, incompressible(64<<10))); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("a large body on a full disk: %v, want ENOSPC", err)
	}
	unwritable("a body refused", syscall.ENOSPC)
	if err := s.Delete(first[0].ID); err != nil {
		t.Fatalf("a removal on a full disk (the file's own pages): %v, want it written", err)
	}
	unwritable("a removal written, the disk still full", syscall.ENOSPC)
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(entry("i-after", 0, 1, incompressible(6000))); err != nil {
		t.Fatalf("a body once the disk has room: %v", err)
	}
	unwritable("a body written once the disk has room", nil)
}
