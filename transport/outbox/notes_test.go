package outbox

import (
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
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
	// Its attempt started 20 s before its answer: another opening reads
	// when it was sent (SentAt) as when the window starts.
	if err := s.NoteComplete(base, "i3", CompleteNote{At: now, Window: 160 * time.Second, IngestWindow: time.Minute,
		Sent: now.Add(-20 * time.Second)}); err != nil {
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
			wantSent := n.At // a note without Sent: sent when it ended
			if tt.inject == "i3" {
				wantSent = n.At.Add(-20 * time.Second)
			}
			if ok && !n.SentAt().Equal(wantSent) {
				t.Errorf("LastComplete's SentAt = %s, want %s", n.SentAt(), wantSent)
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

// A write the store makes after its caller returned (a note of a
// complete, the end of a run's start: see writeSoon) that fails, as on a
// full disk, is reported once, by Close, as an *UnwrittenError naming
// it; it used to be dropped without a word. A write made once Close was
// called is the caller's error instead, never Close's too.
func TestCloseReportsFailedLazyWrites(t *testing.T) {
	errFull := errors.New("write outbox.db: no space left on device")
	const base = "http://127.0.0.1:8080"
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	note := func(id string) func(*testing.T, *Store, *atomic.Bool) {
		return func(t *testing.T, s *Store, _ *atomic.Bool) {
			if err := s.NoteComplete(base, id, CompleteNote{At: now, Window: 30 * time.Second}); err != nil {
				t.Fatalf("NoteComplete: %v, want nil: the note is written later", err)
			}
		}
	}
	tests := []struct {
		name  string
		full  bool
		write func(*testing.T, *Store, *atomic.Bool)
		n     int      // the writes Close names
		want  []string // in Close's error
	}{
		{name: "a note written", write: note("i1")},
		{name: "a note on a full disk", full: true, write: note("i1"), n: 1,
			want: []string{"a write made in the background failed and was not kept (the note of inject i1's complete): ", errFull.Error()}},
		{name: "a run's end on a full disk", n: 1, write: func(t *testing.T, s *Store, full *atomic.Bool) {
			run, _, err := s.StartRun("i2", 0)
			if err != nil {
				t.Fatal(err)
			}
			full.Store(true) // the start is stored; its end is not
			run.End()
		}, want: []string{"(the end of inject i2's run)"}},
		{name: "starts forgotten on a full disk", full: true, n: 1, write: func(_ *testing.T, s *Store, _ *atomic.Bool) { s.ForgetStarts("i3") },
			want: []string{"(the removal of inject i3's unfinished runs)"}},
		{name: "twelve notes on a full disk: ten named", full: true, n: 12, write: func(t *testing.T, s *Store, full *atomic.Bool) {
			for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"} {
				note(id)(t, s, full)
				s.flushLazy() // each alone in its commit
			}
		}, want: []string{"12 writes made in the background failed and were not kept (the note of inject a's complete; ", "inject j's complete; and 2 more): ", errFull.Error()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{Now: func() time.Time { return now }})
			var full atomic.Bool
			s.SetCommitHooks(nil, nil, func() error {
				if full.Load() {
					return errFull
				}
				return nil
			})
			full.Store(tt.full)
			tt.write(t, s, &full)
			s.flushLazy()
			full.Store(false)
			err := s.Close()
			var ue *UnwrittenError
			switch {
			case tt.n == 0 && err != nil:
				t.Fatalf("Close: %v, want nil", err)
			case tt.n == 0:
			case !errors.As(err, &ue) || ue.N != tt.n || !errors.Is(err, errFull):
				t.Fatalf("Close: %v, want an *UnwrittenError of %d writes", err, tt.n)
			case len(ue.What) != min(tt.n, maxUnwrittenNamed):
				t.Errorf("Close names %d writes, want %d: %v", len(ue.What), min(tt.n, maxUnwrittenNamed), err)
			}
			for _, w := range tt.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("Close: %v, want it to say %q", err, w)
				}
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v, want nil: each failure is reported once", err)
			}
		})
	}
}

// A note written once Close was called is written at once, its failure
// the caller's error (the store closed), and Close does not report it.
func TestNoteAfterCloseIsTheCallersError(t *testing.T) {
	s := openTemp(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteComplete("http://127.0.0.1:8080", "i1", CompleteNote{At: time.Now(), Window: time.Minute}); !errors.Is(err, ErrClosed) {
		t.Fatalf("NoteComplete after Close: %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close again: %v, want nil: the note's failure was its caller's", err)
	}
}
