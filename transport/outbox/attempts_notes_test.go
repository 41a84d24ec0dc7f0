package outbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// TestUnnotedAttemptIsNotCounted: an attempt whose note cannot be
// written is not made, by Send as by a Deliverer: nothing is posted, no
// attempt is counted, and the record stays pending, released, due now,
// the error saying why.
func TestUnnotedAttemptIsNotCounted(t *testing.T) {
	tests := []struct {
		name string
		send func(s *Store, p posterFunc) error
	}{
		{"send", func(s *Store, p posterFunc) error {
			_, err := s.Send(context.Background(), p, putComplete(t, s), time.Minute)
			return err
		}},
		{"deliverer", func(s *Store, p posterFunc) error {
			d := &Deliverer{Store: s, Profile: oneBody{posterFunc: p, e: completeEntry()}, MaxBackoff: time.Minute}
			return d.Deliver(context.Background(), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			// The note cannot be written: a directory that is not empty
			// cannot be removed to create the file.
			withoutAttemptsFile(t, s)
			if err := os.MkdirAll(filepath.Join(s.attemptsPath(), "held"), 0o700); err != nil {
				t.Fatal(err)
			}
			posts := 0
			err := tt.send(s, func(context.Context, string, int, []byte) error { posts++; return nil })
			if err == nil || !strings.Contains(err.Error(), "note the attempt") {
				t.Errorf("error %v, want one saying the attempt could not be noted", err)
			}
			list, lerr := s.List()
			if lerr != nil || len(list) != 1 {
				t.Fatalf("records %v (%v), want the one stored", list, lerr)
			}
			r := list[0]
			if posts != 0 || r.State != Pending || r.Attempts != 0 || r.Owner != 0 || r.NextAttempt.After(time.Now()) {
				t.Errorf("%d posts; record %s, %d attempts, owner %d, next %s; want none posted, pending, none counted, released, due now",
					posts, r.State, r.Attempts, r.Owner, r.NextAttempt)
			}
		})
	}
}

// TestCutSendKeepsItsNoteUntilCounted: a Send whose ctx ends during its
// post counts none of the requests it made (NoteInterrupted does): the
// note of its attempt stays until then, so that a kill in between leaves
// the attempt to the next opener. A post cut before any request ends its
// note at once: there is nothing to count.
func TestCutSendKeepsItsNoteUntilCounted(t *testing.T) {
	tests := []struct {
		name       string
		err        func(ctx context.Context) error
		unanswered int
	}{
		{"in flight", func(ctx context.Context) error {
			return &httpx.InterruptedError{Err: ctx.Err(), Attempts: 1, Connected: true}
		}, 1},
		{"before any request", func(ctx context.Context) error { return ctx.Err() }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			rec := putComplete(t, s)
			ctx, cancel := context.WithCancel(context.Background())
			p := posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error {
				cancel() // the interrupt, during the post
				return tt.err(ctx)
			})
			_, serr := s.Send(ctx, p, rec, time.Minute)
			open := func() []interruptedAttempt {
				raw, err := os.ReadFile(s.attemptsPath())
				if err != nil {
					t.Fatal(err)
				}
				return parseAttempts(raw, 0)
			}
			if got := len(open()); got != tt.unanswered {
				t.Errorf("after Send: %d attempts noted in flight, want %d", got, tt.unanswered)
			}
			_ = s.NoteInterrupted(rec, p, serr)
			r, err := s.Get(rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := open(); len(got) != 0 || r.Unanswered != tt.unanswered {
				t.Errorf("after NoteInterrupted: attempts noted in flight %v, %d unanswered; want none, %d", got, r.Unanswered, tt.unanswered)
			}
		})
	}
}

// TestCloseKeepsNotesOfAttemptsInFlight: Close with a post still on the
// wire (serve abandoning a handling) keeps the note of that attempt, whose
// outcome the closed outbox can no longer record, and so does a Store the
// same process opens later; once the process has ended, the next opener
// counts the attempt.
func TestCloseKeepsNotesOfAttemptsInFlight(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s := mustOpen(t, path, Options{})
	rec := putComplete(t, s)
	release := sendHeld(s, rec)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	release()
	noted := func(when string) {
		t.Helper()
		raw, err := os.ReadFile(s.attemptsPath())
		if got := parseAttempts(raw, 0); err != nil || len(got) != 1 || got[0].id != rec.ID {
			t.Fatalf("%s: attempts noted in flight %v (%v), want record %d's", when, got, err, rec.ID)
		}
	}
	noted("after Close and the post's end")

	// Another Store of the same process keeps the note.
	again := mustOpen(t, path, Options{})
	if out, err := again.Send(context.Background(), posterFunc(func(context.Context, string, int, []byte) error { return nil }), putComplete(t, again), time.Minute); out != Delivered {
		t.Fatalf("send: %s %v", out, err)
	}
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	noted("after another Store of the process closed")

	// The process ended: its file, and its claim of the record (the
	// closed Store's, kept while its post was on the wire), are an ended
	// process's.
	pid, start := endedProcess(t)
	ended := mustOpen(t, path, Options{})
	if _, err := ended.update(rec.ID, func(r *Record) error {
		if !s.mine(*r) {
			return fmt.Errorf("record %d is not the closed Store's: owner %d", rec.ID, r.Owner)
		}
		r.Owner, r.OwnerStart = pid, start
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := ended.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.attemptsPath(), fmt.Sprintf("%s.sending-%d-%d", path, pid, start)); err != nil {
		t.Fatal(err)
	}
	r := reopenedRecord(t, path, rec.ID)
	if r.Attempts != 1 || r.Unanswered != 1 || r.Interrupted.IsZero() {
		t.Errorf("after the process ended: %d attempts, %d unanswered, interrupted %s; want the attempt counted", r.Attempts, r.Unanswered, r.Interrupted)
	}
}

// TestAttemptsFileBounded: a process's file of attempts is cut to nothing
// once no attempt is in flight (past cutAttemptsFile), holds the attempts in flight alone once
// rewritten, and is removed by Close once none is in flight.
func TestAttemptsFileBounded(t *testing.T) {
	s := openTemp(t, Options{})
	size := func() int64 {
		fi, err := os.Stat(s.attemptsPath())
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if err := s.startAttempt(Record{ID: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.startAttempt(Record{ID: 2}); err != nil {
		t.Fatal(err)
	}
	s.endAttempts(1)
	if size() == 0 {
		t.Error("the file is empty with an attempt in flight")
	}
	s.endAttempts(2, 3)
	if got := size(); got == 0 || got >= cutAttemptsFile {
		t.Errorf("the file holds %d bytes, want its few lines", got)
	}
	// Past cutAttemptsFile, cut to nothing once no attempt is in flight.
	if err := s.startAttempt(Record{ID: 4}); err != nil {
		t.Fatal(err)
	}
	for i := uint64(10); s.attempts.size < cutAttemptsFile; i++ {
		if err := s.startAttempt(Record{ID: i}); err != nil {
			t.Fatal(err)
		}
		s.endAttempts(i)
	}
	s.endAttempts(4)
	if got := size(); got != 0 {
		t.Errorf("the file holds %d bytes with no attempt in flight past %d, want 0", got, cutAttemptsFile)
	}
	// Grown past its bound with one attempt in flight: rewritten with it.
	if err := s.startAttempt(Record{ID: 7}); err != nil {
		t.Fatal(err)
	}
	growAttemptsPastBound(t, s)
	raw, err := os.ReadFile(s.attemptsPath())
	if err != nil {
		t.Fatal(err)
	}
	cut := parseAttempts(raw, 0)
	if len(cut) != 2 || len(raw) > 200 {
		t.Errorf("rewritten file: %d bytes, attempts in flight %v; want those of records 7 and 8 alone", len(raw), cut)
	}
	s.endAttempts(7, 8)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.attemptsPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close: %v, want the file removed", err)
	}
}

// BenchmarkAttemptNote is what noting an attempt adds to each post of a
// stored body: its start line before the POST, then its end once the
// outcome is durable, alone in flight (the file cut to nothing) or beside
// another attempt (an end line); request=true notes its request too, as a
// post through an httpx.Poster does before each request (see
// noteRequest).
func BenchmarkAttemptNote(b *testing.B) {
	for _, tt := range []struct{ beside, request bool }{{false, false}, {true, false}, {false, true}} {
		b.Run(fmt.Sprintf("beside=%t/request=%t", tt.beside, tt.request), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "outbox.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if tt.beside {
				if err := s.startAttempt(Record{ID: 1 << 40}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			id := uint64(0)
			for b.Loop() {
				id++
				if err := s.startAttempt(Record{ID: id}); err != nil {
					b.Fatal(err)
				}
				if tt.request {
					if err := s.noteRequest(id); err != nil {
						b.Fatal(err)
					}
				}
				s.endAttempts(id)
			}
		})
	}
}

// TestTwoStoresOfOneProcessKeepTheirNotes is reviewer r18's finding: two
// Stores of one process on one outbox shared one file of attempts, each
// with its own attempts in flight, so that the first's Close removed the
// file the second noted an attempt on the wire in: a kill then, and the
// next opener resent that body at once. Each Store now has a file of its
// own, which an ended process's opener still reads.
func TestTwoStoresOfOneProcessKeepTheirNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	a := mustOpen(t, path, Options{Shared: true})
	b := mustOpen(t, path, Options{Shared: true})
	if out, err := a.Send(context.Background(), posterFunc(func(context.Context, string, int, []byte) error { return nil }), putComplete(t, a), time.Minute); out != Delivered {
		t.Fatalf("a: %s %v", out, err)
	}
	rb := putComplete(t, b)
	release := sendHeld(b, rb)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	// A kill -9 now: the next opener finds b's attempt.
	raw, err := os.ReadFile(b.attemptsPath())
	if got := parseAttempts(raw, 0); len(got) != 1 || got[0].id != rb.ID {
		t.Errorf("after a's Close, b's post on the wire: attempts noted in flight %v (%v), want b's record %d", got, err, rb.ID)
	}
	pid, start := endedProcess(t)
	if err := os.WriteFile(fmt.Sprintf("%s.sending-%d-%d-KILLED00", path, pid, start), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	release()
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	r := reopenedRecord(t, path, rb.ID)
	if r.Unanswered < 1 || r.Interrupted.IsZero() {
		t.Errorf("the ended process's file of <pid>-<start>-<store>: %d unanswered, interrupted %s; want b's attempt counted", r.Unanswered, r.Interrupted)
	}
}

// sendHeld starts a Send of rec by s whose post is held on the wire, and
// returns once it is there; release answers it 503 and waits for the
// Send to end.
func sendHeld(s *Store, rec Record) (release func()) {
	onWire, answer, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.Send(context.Background(), posterFunc(func(context.Context, string, int, []byte) error {
			close(onWire)
			<-answer
			return errors.New("status 503")
		}), rec, time.Minute)
	}()
	<-onWire
	return func() {
		close(answer)
		<-done
	}
}

// growAttemptsPastBound starts and ends attempts of s until its file of
// attempts has grown past maxAttemptsFile, then starts one more, of
// record 8: the start that rewrites the file, keeping the attempts in
// flight.
func growAttemptsPastBound(t *testing.T, s *Store) {
	t.Helper()
	for i := uint64(100); s.attempts.size <= maxAttemptsFile; i++ {
		if err := s.startAttempt(Record{ID: i}); err != nil {
			t.Fatal(err)
		}
		s.endAttempts(i)
	}
	if err := s.startAttempt(Record{ID: 8}); err != nil {
		t.Fatal(err)
	}
}
