package outbox

import (
	"context"
	"errors"

	"github.com/injectkit/injectkit/internal/httpx"
)

// hold holds d.Abort for a send: it returns ctx, cancelled once the
// abort fires, aborted, which reports whether it fired, and release.
func (d *Deliverer) hold(ctx context.Context) (context.Context, func() bool, func()) {
	if d.Abort == nil {
		return ctx, func() bool { return false }, func() {}
	}
	abort, release := d.Abort.Hold()
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-abort:
			cancel()
		case <-ctx.Done():
		}
	}()
	aborted := func() bool {
		select {
		case <-abort:
			return true
		default:
			return false
		}
	}
	return ctx, aborted, func() { cancel(); release() }
}

// noteInterrupted records on r, a body whose send the abort cut short
// after at least one attempt failed on its own (the backend refused it, or
// did not answer), the attempts made and the last one's error, due again
// at once, as settle records an interrupted failure; it returns that
// error, redacted. When no attempt had failed (the abort came first), r
// is left as it was and the result is nil: it was not sent.
func (s *Store) noteInterrupted(r Record, err error, red Redactor) error {
	var ie *httpx.InterruptedError
	if !errors.As(err, &ie) || ie.Last == nil || ie.Last.Attempts == 0 {
		return nil
	}
	last := errors.New(s.redact(ie.Last.Error(), red))
	if serr := s.MarkFailed(r.ID, ie.Last.Attempts, last.Error(), s.opts.Now()); serr != nil && !errors.Is(serr, ErrNotFound) {
		return errors.Join(last, serr)
	}
	return last
}
