//go:build linux

package outbox

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// On a real file system that fills up (a tmpfs, filled by another
// program) after Open, before the first send: a Store opened when the
// disk had room delivers its bodies once it is full, and on a disk full
// before Open, Open succeeds, no body is posted without its note (the
// flush says which file could not be written), and once room is freed,
// the next flush sends it. The file of attempts was created at the first
// note, and a disk full by then held every body for as long as it stayed
// full.
func TestAttemptsFileOnAFullDisk(t *testing.T) {
	for _, fullAtOpen := range []bool{false, true} {
		name := "full after open"
		if fullAtOpen {
			name = "full at open"
		}
		t.Run(name, func(t *testing.T) {
			dir := testkit.SmallDisk(t, "1m")
			path := filepath.Join(dir, "outbox.db")
			s := mustOpen(t, path, Options{})
			r := putComplete(t, s)
			if err := s.MarkFailed(r.ID, 1, "connection refused", time.Now()); err != nil { // tried by its run
				t.Fatal(err)
			}
			if fullAtOpen {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				testkit.FillDisk(t, dir)
				s = mustOpen(t, path, Options{})
			} else {
				testkit.FillDisk(t, dir)
			}
			t.Cleanup(func() { _ = s.Close() })
			p := &downThenUp{}
			p.up.Store(true)
			rs := &Resender{Store: s, Client: func(string) (Poster, error) { return p, nil }}
			res, err := rs.Flush(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !fullAtOpen {
				if res.Delivered != 1 || res.Unnoted != 0 || p.taken.Load() != 1 {
					t.Errorf("flush on the disk filled after Open: %+v, %d taken; want the body delivered", res, p.taken.Load())
				}
				return
			}
			if res.Unnoted != 1 || p.taken.Load() != 0 || res.NoteErr == nil ||
				!strings.Contains(res.NoteErr.Error(), s.attemptsPath()) || !strings.Contains(res.NoteErr.Error(), "no space left on device") {
				t.Fatalf("flush on the disk full at Open: %+v, %d taken; want nothing posted, the error naming %s and the full disk",
					res, p.taken.Load(), s.attemptsPath())
			}
			if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
				t.Fatal(err)
			}
			if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != 1 || p.taken.Load() != 1 {
				t.Errorf("flush once room is freed: %+v, %v, %d taken; want the body delivered once", res, err, p.taken.Load())
			}
		})
	}
}
