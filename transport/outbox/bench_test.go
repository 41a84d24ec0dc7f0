package outbox

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkPutDelete is the outbox's cost per delivered body: one fsync'd
// Put before the POST and one fsync'd Delete after the 2xx.
func BenchmarkPutDelete(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10, 1 << 20} {
		for _, shared := range []bool{false, true} {
			b.Run(fmt.Sprintf("body=%d/shared=%t", size, shared), func(b *testing.B) {
				s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), Options{Shared: shared})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				e := Entry{InjectID: "inj", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1",
					Body: bytes.Repeat([]byte("x"), size)}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					recs, err := s.Put(e)
					if err != nil {
						b.Fatal(err)
					}
					if err := s.Delete(recs[0].ID); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPutDeleteParallel is the same from concurrent deliveries (as in
// serve): their writes share commits.
func BenchmarkPutDeleteParallel(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := Entry{InjectID: "inj", Phase: "execution_complete", BaseURL: "http://127.0.0.1:1",
		Body: bytes.Repeat([]byte("x"), 1<<10)}
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			recs, err := s.Put(e)
			if err != nil {
				b.Error(err)
				return
			}
			if err := s.Delete(recs[0].ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRoomCheck is what a daemon reads before each inject (Usage),
// against Stats, which also counts the records, with the file held open
// and with a few bodies stored (a daemon's outbox mostly holds those in
// flight).
func BenchmarkRoomCheck(b *testing.B) {
	for _, stored := range []int{0, 16, 1000} {
		for _, read := range []struct {
			name string
			fn   func(*Store) error
		}{
			{"Usage", func(s *Store) error { _, err := s.Usage(); return err }},
			{"Stats", func(s *Store) error { _, err := s.Stats(); return err }},
		} {
			b.Run(fmt.Sprintf("stored=%d/%s", stored, read.name), func(b *testing.B) {
				s := storedFor(b, Options{}, stored)
				b.ReportAllocs()
				for b.Loop() {
					if err := read.fn(s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// storedFor opens an outbox of opts in a temporary directory for b, closed
// when b ends, with n small bodies stored.
func storedFor(b *testing.B, opts Options, n int) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for i := range n {
		if _, err := s.Put(Entry{InjectID: fmt.Sprintf("inj-%d", i), Phase: "execution_complete",
			BaseURL: "http://127.0.0.1:1", Body: []byte(`{"x":1}`)}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
