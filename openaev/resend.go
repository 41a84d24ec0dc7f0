package openaev

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/injectkit/injectkit/transport/outbox"
)

// ResendPoster is the poster of a daemon's outbox resender. Before each
// attempt of a stored "complete" (index 0), it asks the platform for the
// inject's status: when the inject has already finished, another daemon
// completed it (it ran the message the broker redelivered after this
// process died with the body stored), and the stored body is superseded:
// it is not sent a second time, and outbox.ErrSuperseded has the outbox
// drop it and count it apart from the delivered ones; but when the
// inject's COMPLETE traces carry the body's run mark, the platform took
// this very body (an attempt whose answer was lost), which is delivered
// (see completeVerdict). When the status cannot be read for a while, the
// body stays pending; refused for good, it is sent, after a WARN. The "data" callbacks (index > 0) follow their "complete" (see
// InOrder): an outbox Resender sends them only once it is delivered or
// superseded. The signatures a superseded "complete" carries are sent
// too, as a "data" callback (supersededData) that completes nothing, and
// outbox.ErrSupersededSent has the outbox count it apart; one carrying
// none is dropped.
type ResendPoster struct {
	Profile *Profile
}

var (
	_ outbox.InOrderPoster = ResendPoster{}
	_ outbox.InOrderPoster = (*Profile)(nil)
	_ outbox.Redactor      = ResendPoster{}
)

// InOrder reports that the "data" callbacks of a terminal callback follow
// its "complete" (see outbox.InOrderPoster).
func (ResendPoster) InOrder() bool { return true }

// InOrder reports that the "data" callbacks of a terminal callback follow
// its "complete" and add to what the platform holds: the Deliverer commits
// the removal of each body before it posts the next.
func (p *Profile) InOrder() bool { return true }

// PostBody resends body index of inject id's terminal callback unless the
// platform shows the inject finished: a "complete" is then superseded, and
// the signatures it carries, if any, are sent as a "data" callback
// (outbox.ErrSupersededSent once delivered).
func (r ResendPoster) PostBody(ctx context.Context, injectID string, index int, body []byte) error {
	// The outbox logs each body it delivers: one line, not a second one
	// from the profile.
	ctx = context.WithValue(ctx, markResend, true)
	superseded := r.Profile.postBody(ctx, injectID, index, body, alwaysTwin)
	if !errors.Is(superseded, errSuperseded) {
		return superseded
	}
	// While its "data" fails, the stored "complete" stays pending, and
	// its next attempt finds it superseded again and sends the same "data".
	sent, err := r.Profile.postSupersededData(ctx, injectID, index, body, superseded)
	switch {
	case err != nil:
		return err
	case !sent:
		return fmt.Errorf("inject %s: %w", injectID, outbox.ErrSuperseded)
	}
	return fmt.Errorf("inject %s: signatures sent as data: %w", injectID, outbox.ErrSupersededSent)
}

// postSupersededData sends the signatures body carries, a "complete" of
// inject id found superseded, as a "data" callback (see supersededData),
// never asking the platform first: the inject is finished, and a "data"
// callback completes nothing. sent is false when body carries none.
// superseded is postBody's error, errSuperseded: when it wraps errUnsure
// (the platform's traces cannot say whose "complete" finished the
// inject), the signatures are sent all the same, never lost, after a WARN
// that they may be stored twice.
func (p *Profile) postSupersededData(ctx context.Context, injectID string, index int, body []byte, superseded error) (sent bool, err error) {
	data, ok := supersededData(body)
	if !ok {
		return false, nil
	}
	if errors.Is(superseded, errUnsure) {
		p.log.Warn("the platform does not show whether it took this complete (its answer lost) or another run's; "+
			"its signatures are sent as data, and may be stored twice", injectField(ctx, injectID))
	}
	if err := p.postAs(ctx, injectID, index, ActionData, data, alwaysTwin); err != nil {
		// Its attempts that got no answer count apart from the
		// "complete"'s (see postAs).
		return false, outbox.InOtherForm(err)
	}
	return true, nil
}

// tokenRefused reports whether err is the platform's 401: it knows no
// such token, and refuses every request carrying it.
func tokenRefused(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusUnauthorized
}

// Redact removes the platform token from s.
func (r ResendPoster) Redact(s string) string { return r.Profile.Redact(s) }
