package outbox

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkWalk is what outbox list --summary reads of an outbox a week
// of refusals filled: its counts (Stats), then every record (Walk), per
// record. The store is opened as list opens it, but not Shared: the
// gaps Walk leaves between pages for a writer (walkGap) are waits, not
// work.
func BenchmarkWalk(b *testing.B) {
	const n = 50000
	path := filepath.Join(b.TempDir(), "outbox.db")
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]Entry, n)
	for i := range entries {
		entries[i] = Entry{InjectID: "inject-bench", Phase: "execution_complete", ChunkIndex: i, TotalChunks: n,
			BaseURL: "http://127.0.0.1:1", Body: fmt.Appendf(nil, `{"target":"10.0.%d.%d"}`, i/256, i%256)}
	}
	if _, err := s.Put(entries...); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ro.Close()
	b.Run("stats", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if st, err := ro.Stats(); err != nil || st.Pending != n {
				b.Fatal(st, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
	})
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			seen := 0
			if err := ro.Walk(context.Background(), func(Record) error { seen++; return nil }); err != nil || seen != n {
				b.Fatal(seen, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
	})
}
