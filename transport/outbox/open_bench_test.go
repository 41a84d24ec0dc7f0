package outbox

import (
	"path/filepath"
	"testing"
)

// BenchmarkOpenRoomCheck is what `run` pays before an inject runs, with an
// existing shared outbox: its opening and its room check, the check read
// under a second opening of the file (open=then-stats, as run did before
// OpenHeld) or under Open's own (open=held).
func BenchmarkOpenRoomCheck(b *testing.B) {
	path := filepath.Join(b.TempDir(), "outbox.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	check := func(b *testing.B, s *Store, err error) {
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("open=then-stats", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := Open(path, Options{Shared: true})
			if err == nil {
				_, err = s.Stats()
			}
			check(b, s, err)
		}
	})
	b.Run("open=held", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, release, err := OpenHeld(path, Options{Shared: true})
			if err == nil {
				_, err = s.Usage()
				release()
			}
			check(b, s, err)
		}
	})
}
