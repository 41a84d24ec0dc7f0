package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// HoldAbort holds a for a send (see Aborter): it returns ctx, cancelled
// once the abort fires, aborted, which reports whether it has fired, and
// release, which the send calls when it returns. A nil a, or one whose
// Hold returns a nil channel, never fires. The Deliverer holds its Abort
// with it, and so may a profile's deliverer that keeps no outbox.
func HoldAbort(ctx context.Context, a Aborter) (_ context.Context, aborted func() bool, release func()) {
	if a == nil {
		return ctx, func() bool { return false }, func() {}
	}
	abort, unhold := a.Hold()
	ctx, cancel := context.WithCancel(ctx)
	if abort != nil {
		go func() {
			select {
			case <-abort:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	aborted = func() bool {
		select {
		case <-abort:
			return true
		default:
			return false
		}
	}
	return ctx, aborted, func() { cancel(); unhold() }
}

// CutShort is the error of a body whose send the abort cut short once ie
// counts an attempt made: the one in flight may have reached the backend,
// so that whoever posts the body again knows it may be there twice; or,
// when the abort ended a wait between two attempts (ie.Waiting) or a dial
// (not ie.Connected), that no request was in flight, and the error of
// the attempt it waited to retry (ie.Last), the last answer. It is said
// the same whether the body was kept in an outbox or not.
func CutShort(ie *httpx.InterruptedError) error {
	if ie.Waiting && ie.Last != nil {
		return fmt.Errorf("interrupted while waiting to retry, after attempt %d (no request in flight; its error: %v): %w", ie.Attempts,
			ie.Last, ie)
	}
	if ie.Waiting {
		return fmt.Errorf("interrupted while waiting to retry, after attempt %d (no request in flight): %w", ie.Attempts, ie)
	}
	if !ie.Connected {
		return fmt.Errorf("attempt %d cut short by the interrupt while connecting (never sent): %w", ie.Attempts, ie)
	}
	return fmt.Errorf("attempt %d cut short by the interrupt while in flight (the backend may have received it): %w", ie.Attempts, ie)
}

// noteInterrupted records on r, a body whose send the abort cut short
// once at least one attempt was made, the attempts made (the one cut
// short in flight included: the backend may have received it) and the
// last error, due again at once, or, when the abort ended a wait between
// two attempts (no request in flight), when its schedule says: the later
// of its backoff (maxBackoff as Settle's) and the end of that wait (a
// Retry-After asked); unless another live process owns it by
// now (see ownedElsewhere). It returns that error, redacted: the
// last attempt that failed on its own (the backend refused it, or did not
// answer), followed, when the next was then cut short (in flight, or
// while connecting), by what CutShort says of it; else, when no request
// was in flight, r's last error (its last answer still stands), else the
// attempt cut short. When no attempt was made (the
// abort came first), r is left as it was and the result is nil: it was
// not sent.
func (s *Store) noteInterrupted(r Record, err error, red Redactor, maxBackoff time.Duration) error {
	var ie *httpx.InterruptedError
	if !errors.As(err, &ie) || ie.Attempts == 0 {
		s.endAttempts(r.ID) // no request made: nothing of it to count
		return nil
	}
	last := CutShort(ie)
	status := 0
	switch {
	case ie.Last != nil && !ie.Waiting:
		// An attempt of this send failed, then the next was cut short:
		// its answer stands, and the cut one may have reached the
		// backend, which the error says too.
		last, status = fmt.Errorf("%s; then %s", s.redact(ie.Last.Error(), red), s.redact(last.Error(), red)), ie.Last.Status
	case ie.Last != nil:
		last, status = errors.New(s.redact(ie.Last.Error(), red)), ie.Last.Status
	case ie.Waiting && r.LastError != "":
		// No request of this send failed, none was in flight (its
		// attempts were held back: the platform's ingestion window, a
		// search made first): the body's last answer still stands.
		last, status = errors.New(r.LastError), r.LastStatus
	}
	// A record Send settled is no longer this process's: another process
	// (a Resender, a retry-dead) may have claimed it since, and keeps it.
	next := s.opts.Now()
	if ie.Waiting {
		next = next.Add(Backoff(r.Attempts+ie.Attempts, maxBackoff))
		if ie.Resume.After(next) {
			next = ie.Resume
		}
		if ie.Last != nil && ie.Last.RetryAfter > 0 {
			// The wait the backend asked for, which the client capped
			// (30 s): not due before it ends, capped as settle caps it.
			limit := maxBackoff
			if limit <= 0 {
				limit = MaxBackoff
			}
			if asked := s.opts.Now().Add(min(ie.Last.RetryAfter, limit)); asked.After(next) {
				next = asked
			}
		}
	}
	attempts := failedAttempts{n: ie.Attempts, other: inOtherForm(err)}
	if ie.Last != nil {
		attempts.unanswered = ie.Last.Unanswered
	}
	if ie.Connected {
		attempts.unanswered++ // the one cut short in flight, once connected
	}
	serr := s.markAnswered(r.ID, attempts, status, last.Error(), next)
	if serr != nil && !errors.Is(serr, ErrNotFound) {
		return errors.Join(last, serr)
	}
	return last
}

// NoteInterrupted records on r, a record Send left pending because ctx
// ended during its post (err is Send's error, p its poster), the attempts
// made, the one cut short in flight included (the backend may have
// received it), and the last error, as a Deliverer's abort does (see
// noteInterrupted), and returns that error, redacted: what the body's
// state says now. When no attempt was made, r is left as it was and the
// result is nil: it was not sent. A record another live process claimed
// since Send let go of it (a Resender, another retry-dead) is left to it,
// unchanged. It ends the note of the attempt Send kept for it (see
// Settle). A retry of one body asked by hand (a
// dead body moved back to pending) calls it, so that its state no longer
// shows the answer that had made it dead; a Resender's flush records its
// body cut short the same way itself.
func (s *Store) NoteInterrupted(r Record, p Poster, err error) error {
	red, _ := p.(Redactor)
	return s.noteInterrupted(r, err, red, 0)
}
