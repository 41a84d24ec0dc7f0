package outbox

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestCompleteNotes: a note of a "complete" is read back, per base URL and
// inject, while its window lasts, from another opening of the file too,
// with the ingestion window it was made with; once its window has passed
// it is not, and the next note removes it.
func TestCompleteNotes(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{Now: clock, Shared: true})
	t.Cleanup(func() { _ = s.Close() })
	const base = "http://127.0.0.1:8080"
	if err := s.NoteComplete(base, "i1", CompleteNote{At: now, Window: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	// Kept for 2m40s, of which its ingestion window is 1m.
	if err := s.NoteComplete(base, "i3", CompleteNote{At: now, Window: 160 * time.Second, IngestWindow: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteComplete(base, "i0", CompleteNote{At: now}); err != nil { // no window: nothing kept
		t.Fatal(err)
	}
	s.flushLazy() // a note is written with the next commit
	other := mustOpen(t, path, Options{Now: clock, Shared: true})
	t.Cleanup(func() { _ = other.Close() })
	tests := []struct {
		name         string
		after        time.Duration
		base, inject string
		want         bool
		ingest       time.Duration // the note's ingestion window, when found
	}{
		{"within the window", 29 * time.Second, base, "i1", true, 30 * time.Second},
		{"another inject", 0, base, "i2", false, 0},
		{"no window", 0, base, "i0", false, 0},
		{"another backend", 0, "http://127.0.0.1:9090", "i1", false, 0},
		{"the window passed", 30 * time.Second, base, "i1", false, 0},
		{"past its ingestion window, within its window", 159 * time.Second, base, "i3", true, time.Minute},
		{"its window passed", 160 * time.Second, base, "i3", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC).Add(tt.after)
			n, ok, err := other.LastComplete(tt.base, tt.inject)
			if err != nil || ok != tt.want || (ok && (!n.At.Equal(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)) || n.Ingest() != tt.ingest)) {
				t.Errorf("LastComplete = %+v, %v, %v; want found %v, ingestion window %s", n, ok, err, tt.want, tt.ingest)
			}
			all, err := other.Completes(tt.base)
			if n, found := all[tt.inject]; err != nil || found != tt.want || (found && n.Ingest() != tt.ingest) {
				t.Errorf("Completes: %+v, %v, %v; want found %v, ingestion window %s", n, found, err, tt.want, tt.ingest)
			}
		})
	}
	if err := s.NoteComplete(base, "i2", CompleteNote{At: now, Window: time.Minute}); err != nil {
		t.Fatal(err)
	}
	s.flushLazy()
	err := s.do(false, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCompletes).Get(completeKey(base, "i1")) != nil {
			t.Error("a note whose window passed is kept after the next note")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
