package outbox

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// A send stored whole before its first POST is not compacted while it
// posts its bodies (see compactIfFree): `run` lets go of its Shared file
// whenever a hand-over waits on a slow POST, and once half its bodies
// were posted and removed, the file was half free and a compaction copied
// those still to post (4-16 MiB at W1's 1M, peak RSS up to 349 MB), which
// the send removed moments later. Here the file is mostly free (ten of
// twelve bodies of 1 MiB removed) while a send's loop has not drained its
// feed: letting go of it compacts nothing; once the loop has taken every
// body, the next letting go of compacts it, and it keeps the two bodies.
func TestNoCompactionWhileAStoredSendPosts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		drained bool // the send's loop has taken every body
		want    int  // compactions
	}{
		{name: "posting", want: 0},
		{name: "drained", drained: true, want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			all := filled(t, path, mostlyFreeN, mostlyFreeN, Options{Shared: true}, nil)
			ids := slices.Sorted(maps.Keys(all))
			s := mustOpen(t, path, Options{Shared: true})
			defer func() { _ = s.Close() }()
			compactions := 0
			s.hooks.compact = func(step int) error {
				if step == 0 {
					compactions++
				}
				return nil
			}
			f := newFeed(nil)
			s.emptyingFor(f)
			if err := s.Delete(ids[2:]...); err != nil { // posted, removed: the file mostly free
				t.Fatal(err)
			}
			if tc.drained {
				f.close()
				if _, ok := f.next(); ok {
					t.Fatal("an item left in the feed")
				}
			}
			if _, err := s.Stats(); err != nil { // one more operation, the file let go of after it
				t.Fatal(err)
			}
			if compactions != tc.want {
				t.Errorf("%d compactions, want %d", compactions, tc.want)
			}
			kept := map[uint64][]byte{ids[0]: all[ids[0]], ids[1]: all[ids[1]]}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			wantKept(t, path, kept)
		})
	}
}
