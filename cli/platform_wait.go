package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/injectkit/injectkit/openaev"
)

// platformWait is the transport of the openaev profile's client in run:
// it keeps the request last sent to the platform (its method and path),
// so that an interrupt before the injector ran names what the run was
// waiting on (the platform's version or settings, the inject's status,
// the asset groups' members, the reception) rather than the step after
// it.
type platformWait struct {
	next http.RoundTripper
	mu   sync.Mutex
	last string
}

// watchPlatform has hc's requests recorded by the platformWait it
// returns.
func watchPlatform(hc *http.Client) *platformWait {
	w := &platformWait{next: hc.Transport}
	if w.next == nil {
		w.next = http.DefaultTransport
	}
	hc.Transport = w
	return w
}

// RoundTrip records r and sends it.
func (w *platformWait) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.last = r.Method + " " + r.URL.EscapedPath()
	w.mu.Unlock()
	return w.next.RoundTrip(r)
}

// waitedOn is the request last sent ("" for none, or a nil w: a dry run
// sends none).
func (w *platformWait) waitedOn() string {
	if w == nil {
		return ""
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// interrupted is the exit of a run interrupted before the injector ran
// (ctx ended) while it waited on the platform: 130, naming the request
// and what was not done.
func (w *platformWait) interrupted(ctx context.Context, nothing string) error {
	return &ExitError{Code: ExitInterrupted, Err: w.cutShort(ctx, nothing)}
}

// cutShort says that the wait on the platform was interrupted, naming
// the request, and what was not done.
func (w *platformWait) cutShort(ctx context.Context, nothing string) error {
	on := "waiting on the platform"
	if last := w.waitedOn(); last != "" {
		on += " (" + last + ")"
	}
	return fmt.Errorf("interrupted while %s: %s: %w", on, nothing, context.Cause(ctx))
}

// notRunInterrupted is the exit of an inject the platform did not
// acknowledge, or list the targets of, because the first interrupt cut
// the wait short (err, a *openaev.NotReceivedError or
// *openaev.TargetsUnavailableError, holds ctx's error): 130, not the exit
// 1 of a platform that failed, whose hint says to run it again once the
// platform answers; nil for any other err. A reception cut short in
// flight may have reached the platform.
func (w *platformWait) notRunInterrupted(ctx context.Context, err error) error {
	var nr *openaev.NotReceivedError
	var tu *openaev.TargetsUnavailableError
	if ctx.Err() == nil || !errors.Is(err, ctx.Err()) {
		return nil
	}
	switch {
	case errors.As(err, &nr):
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("inject %s not run: %w", nr.InjectID,
			w.cutShort(ctx, "the injector did not run and nothing was stored (the platform may have received the reception)"))}
	case errors.As(err, &tu):
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("inject %s not run: %w", tu.InjectID,
			w.cutShort(ctx, "the injector did not run and nothing was sent or stored"))}
	}
	return nil
}
