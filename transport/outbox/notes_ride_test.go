package outbox

import (
	"fmt"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestNotesRideOneCommitInSeveral: the note of a complete, a lazy write,
// does not ride with every commit (each that carries notes rewrites the
// pages of their two buckets): a waited write's commit leaves a note that
// is not yet due, the note is committed once it is (lazyDelay after it was
// written, by the lazy writes' timer when no commit came), patientBatch
// notes waiting ride with the next commit, and Close commits those left.
// synctest's clock says when each commit came.
func TestNotesRideOneCommitInSeveral(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	tests := []struct {
		name       string
		notes      int  // notes written before the waited write
		wantRide   bool // the waited write's commit carries them
		waitForDue bool // then wait past lazyDelay: the timer commits them alone
	}{
		{"one note, not yet due", 1, false, true},
		{"patientBatch notes", patientBatch, true, false},
	}
	for _, tt := range tests {
		for _, shared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/shared=%t", tt.name, shared), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := openTemp(t, Options{Shared: shared})
					for i := range tt.notes {
						if err := s.NoteComplete(base, fmt.Sprint("i", i), CompleteNote{At: time.Now(), Window: time.Minute}); err != nil {
							t.Fatal(err)
						}
					}
					kept := func() bool {
						t.Helper()
						_, ok, err := s.LastComplete(base, "i0")
						if err != nil {
							t.Fatal(err)
						}
						return ok
					}
					base0 := s.Commits()
					if err := s.do(true, func(*bolt.Tx) error { return nil }); err != nil {
						t.Fatal(err)
					}
					if got := kept(); got != tt.wantRide {
						t.Fatalf("after a waited write's commit, the note is committed: %t, want %t", got, tt.wantRide)
					}
					if !tt.waitForDue {
						return
					}
					time.Sleep(lazyDelay + time.Millisecond)
					synctest.Wait()
					s.later.Wait()
					if got := s.Commits() - base0; got != 2 || !kept() {
						t.Errorf("%d commits %v after the note (committed: %t), want the waited write's and the timer's",
							got, lazyDelay+time.Millisecond, kept())
					}
				})
			})
		}
	}
}

// TestCloseCommitsTheNotesWaiting: a note not yet due when the Store closes
// is committed by Close: another opening of the file reads it.
func TestCloseCommitsTheNotesWaiting(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%t", shared), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Shared: shared})
			if err := s.NoteComplete(base, "i1", CompleteNote{At: time.Now(), Window: time.Hour}); err != nil {
				t.Fatal(err)
			}
			if err := s.do(true, func(*bolt.Tx) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			other := mustOpen(t, path, Options{Shared: shared})
			t.Cleanup(func() { _ = other.Close() })
			if _, ok, err := other.LastComplete(base, "i1"); err != nil || !ok {
				t.Errorf("after Close, LastComplete = %v, %v; want the note", ok, err)
			}
		})
	}
}

// TestEndOpenRunsCommitsTheNotesWaiting: a process about to exit without
// Close (an operator's second signal) removes its runs' starts in one
// commit (EndOpenRuns), which carries the notes of completes not yet due:
// another opening of the file reads them. Their messages go back to the
// queue; the note is what keeps a daemon given one again from running an
// inject whose complete was just sent.
func TestEndOpenRunsCommitsTheNotesWaiting(t *testing.T) {
	const base = "http://127.0.0.1:8080"
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{Shared: true}) // another opening reads the file while it is open
	t.Cleanup(func() { _ = s.Close() })
	if _, _, err := s.StartRun("i1", 0); err != nil {
		t.Fatal(err)
	}
	if err := s.NoteComplete(base, "i1", CompleteNote{At: time.Now(), Window: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := s.EndOpenRuns(); err != nil {
		t.Fatal(err)
	}
	other := mustOpen(t, path, Options{Shared: true})
	t.Cleanup(func() { _ = other.Close() })
	if _, ok, err := other.LastComplete(base, "i1"); err != nil || !ok {
		t.Errorf("after EndOpenRuns, LastComplete from another opening = %v, %v; want the note", ok, err)
	}
}
