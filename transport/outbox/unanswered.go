package outbox

import (
	"context"
	"errors"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

type earlierKey struct{}

// earlier are the attempts of a stored body that got no answer once sent:
// own of the body as stored (Record.Unanswered), other of its content sent
// in another form (Record.UnansweredOther); interrupted is when the last
// of the own ones started, when its process ended during it
// (Record.Interrupted).
type earlier struct {
	own, other  int
	interrupted time.Time
}

// EarlierUnanswered returns, in the context of a post of a stored body
// (by Send, a Resender or a Deliverer), the attempts of that body made
// before this post that got no answer once sent (Record.Unanswered): the
// backend may hold the body that many times already, and a poster whose
// bodies add to what the backend holds can say so once it is delivered.
// It is 0 outside such a post.
func EarlierUnanswered(ctx context.Context) int {
	e, _ := ctx.Value(earlierKey{}).(earlier)
	return e.own
}

// EarlierUnansweredOther is EarlierUnanswered of the body's content sent
// in another form (see InOtherForm): the attempts of that form made before
// this post that got no answer once sent (Record.UnansweredOther), none of
// the body's own.
func EarlierUnansweredOther(ctx context.Context) int {
	e, _ := ctx.Value(earlierKey{}).(earlier)
	return e.other
}

// InOtherForm marks err, a Poster's failure to send a stored body's
// content in another form (what ErrSupersededSent reports once it is
// delivered: a superseded "complete" sent as "data"), so that its attempts
// that got no answer count apart from the body's own
// (Record.UnansweredOther). err's message and chain are kept.
func InOtherForm(err error) error {
	if err == nil {
		return nil
	}
	return otherForm{err}
}

type otherForm struct{ error }

func (e otherForm) Unwrap() error { return e.error }

// inOtherForm reports whether err is marked InOtherForm.
func inOtherForm(err error) bool {
	var o otherForm
	return errors.As(err, &o)
}

// InterruptedAt returns, in the context of a post of a stored body, when
// the last request started of the last attempt of it whose process ended
// (killed) before the attempt's outcome was recorded (Record.Interrupted, counted in
// EarlierUnanswered): the backend may hold the body since then, and a
// poster that knows for how long the backend shows nothing of what it
// took (an ingestion window) holds the body back until then, as after
// an attempt that got no answer. ok is false outside such a post, or for
// a body with no such attempt.
func InterruptedAt(ctx context.Context) (at time.Time, ok bool) {
	e, _ := ctx.Value(earlierKey{}).(earlier)
	return e.interrupted, !e.interrupted.IsZero()
}

// postContext returns ctx for a post of r (see EarlierUnanswered and
// InterruptedAt), whose requests note their start (see noteRequest).
func (s *Store) postContext(ctx context.Context, r Record) context.Context {
	ctx = httpx.WithSendingAnswered(ctx, func() error { return s.noteRequest(r.ID) },
		func(status int) { s.noteAnswer(r.ID, status) })
	if r.Unanswered == 0 && r.UnansweredOther == 0 {
		return ctx
	}
	return context.WithValue(ctx, earlierKey{}, earlier{own: r.Unanswered, other: r.UnansweredOther, interrupted: r.Interrupted})
}
