package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
)

// openRunOutbox opens the outbox of `run` when a backend URL is set and
// the outbox is not "none", and checks it has room before an inject runs.
// The caller closes it. The first interrupt through ctx ends a wait for
// another process's lock (nothing has run yet: exit 130); the abandoned
// open closes its store when it completes.
func openRunOutbox(ctx context.Context, cfg runConfig, o Options, log *zap.Logger) (*outbox.Store, error) {
	if cfg.Backend.URL == "" {
		return nil, nil
	}
	path, _ := outboxPath(cfg.Outbox, o)
	store, err := openInterruptibly(ctx, path, "nothing was run, sent or stored", func() (*outbox.Store, error) {
		// The room check reads the file Open opened (one opening, not two);
		// it is let go of before the inject runs.
		store, release, err := openOutboxHeld(cfg.Outbox, o, log, "run", true)
		if err == nil && store != nil {
			err = checkRoom(store)
			release()
			if err != nil {
				store.Close()
				store = nil
			}
		}
		return store, err
	})
	var (
		ee *ExitError
		fe *outbox.FullError
	)
	if errors.As(err, &ee) && ee.Hint == "" && errors.As(err, &fe) {
		// The line says flush or drop: which bodies, and the commands.
		ee.Hint = fmt.Sprintf("nothing ran; see what it holds with: %s; send this backend's with: %s", cfg.outboxCommand(o.name(), "list", false),
			cfg.outboxCommand(o.name(), "flush", true))
	}
	err = withOutboxNamed(err, cfg.source("outbox"), cfg.Outbox.Path, o)
	return store, withLockedHint(err, cfg.source("outbox_lock_timeout"), cfg.Outbox.LockTimeout)
}

// closeOutbox closes the outbox of `run` or `serve` once its delivered
// bodies are removed; a removal that failed leaves them pending, to be
// posted again by a flush, and is logged as a warning, as is a write the
// store made in the background that failed (an *outbox.UnwrittenError: a
// note of a complete, the end of a run's start).
func closeOutbox(log *zap.Logger, store *outbox.Store) {
	if err := store.Close(); err != nil {
		log.Warn("outbox not closed cleanly", zap.Error(err))
	}
}

// profile is a wire profile that can deliver on its own or through an
// outbox.
type profile interface {
	runtime.Deliverer
	outbox.Profile
}

// durable returns the deliverer of `run` over p: made durable by store,
// or, without one (--outbox none), p itself, which a second interrupt
// cuts short (see abortable). A result the outbox may not store (no room
// for it, an *outbox.FullError; or a process of an earlier version
// claimed a body from it since the check before the run, an
// *outbox.HeldByOlderError; nothing stored), and an openaev INVALID_USAGE
// callback too, is sent without being stored, with a WARN saying so, as
// serve sends one (README, "Full outbox"): the outbox was checked before
// the inject ran, and an inject that ran is not lost for want of it; so
// is one the outbox fails to store after the run (its lock held by
// another process past the lock timeout, a full disk).
// When that send fails too, its error is the delivery's and nothing is
// stored: run prints what was not delivered on stderr (exit 1; see
// runView.dump).
func durable(p profile, store *outbox.Store, log *zap.Logger, abort *Abort) runtime.Deliverer {
	if store == nil {
		return abortable{profile: p, abort: abort}
	}
	return &outbox.Deliverer{Profile: p, Store: store, Abort: abort,
		Unstored: func(injectID string, why error) { warnUnstored(log, injectID, why) }}
}

// warnUnstored says that an inject's bodies are sent without being
// stored, and why: its outbox full, locked by another process, or not
// writable (held by an earlier version, a full disk).
func warnUnstored(log *zap.Logger, injectID string, why error) {
	var (
		fe *outbox.FullError
		le *outbox.LockedError
	)
	if errors.As(why, &le) {
		log.Warn("outbox locked by another process: sending the signatures without storing them (a failure cannot be resent by a flush)",
			zap.String("inject_id", injectID), zap.Error(why))
		return
	}
	if !errors.As(why, &fe) {
		log.Warn("outbox not writable: sending the signatures without storing them (a failure cannot be resent by a flush)",
			zap.String("inject_id", injectID), zap.Error(why))
		return
	}
	log.Warn("outbox full: sending the signatures without storing them (a failure cannot be resent by a flush)",
		zap.String("inject_id", injectID), zap.String("outbox", fe.Path), zap.Int64("used", fe.Used),
		zap.Int64("max_bytes", fe.Max), zap.Int64("need", fe.Need))
}

// newDeliverer returns the callback profile's deliverer the configuration
// asks for: the backend callback, made durable by store (see durable),
// or, without a backend URL, a printer of each body to the view's stdout
// (io.Discard when the summary is printed instead). With a backend URL,
// the view's echo, when not nil, gets each body printed as well. The view
// prints what the profile says it did not deliver (see runView.dump).
func newDeliverer(ctx context.Context, cfg runConfig, o Options, log *zap.Logger, store *outbox.Store, view *runView) (runtime.Deliverer, error) {
	if cfg.Backend.URL == "" {
		p := callback.Printer{W: view.stdout(), MaxPayloadSize: cfg.MaxPayloadSize, Log: log}
		view.dumpWith(p, dumpOf(ctx, p.Undelivered))
		return dryPrinter{p}, nil
	}
	client, err := newClient(cfg.Backend, o, log, cfg.Backend.URL, cfg.MaxPayloadSize)
	if err != nil {
		return nil, cfg.namedExit(err)
	}
	p := callback.Deliverer{Client: client}
	view.dumpWith(p, dumpOf(ctx, p.Undelivered))
	d := durable(p, store, log, o.Abort)
	if echo := view.echo(); echo != nil {
		d = echoed{Deliverer: d, print: callback.Printer{W: echo, MaxPayloadSize: cfg.MaxPayloadSize}, log: log}
	}
	return d, nil
}

// dryPrinter prints a dry run's bodies to stdout. A stdout that cannot be
// written is not the delivery's failure, for the runtime to log: Run
// says it once (see stdoutExit), and the run's view prints the signatures
// to stderr (see runView.finish).
type dryPrinter struct{ callback.Printer }

// Deliver prints the bodies of r, leaving a failed stdout to Run.
func (p dryPrinter) Deliver(ctx context.Context, r *runtime.Report) error {
	if err := p.Printer.Deliver(ctx, r); err != nil && !isStdoutError(err) {
		return err
	}
	return nil
}

// DeliveredAs names the delivery's log line: the bodies printed, or not,
// stdout not written.
func (p dryPrinter) DeliveredAs() string {
	if stdoutFailed(p.W) {
		return "bodies not printed: stdout not written"
	}
	return p.Printer.DeliveredAs()
}

// abortable is a profile's deliverer without an outbox: a second
// interrupt cuts its send short, and run prints the signatures not
// delivered (see Abort). It keeps the profile's hooks.
type abortable struct {
	profile
	abort *Abort
}

// Interface guards.
var (
	_ runtime.Receiver = abortable{}
	_ runtime.Rejecter = abortable{}
)

// Deliver sends r until the abort fires. A body the abort cut short in
// flight is said as an outbox says it (outbox.CutShort): whoever posts
// the printed signatures again knows the backend may have them already.
func (a abortable) Deliver(ctx context.Context, r *runtime.Report) error {
	ctx, aborted, release := outbox.HoldAbort(ctx, a.abort)
	defer release()
	err := a.profile.Deliver(ctx, r)
	if err != nil && aborted() {
		err = cutShort(err)
	}
	return err
}

// cutShort returns err, a callback send's error, saying that the body
// whose POST it cut short may have reached the backend, when an attempt
// was in flight: the send's error itself, or the failed chunk's.
func cutShort(err error) error {
	var ie *httpx.InterruptedError
	if !errors.As(err, &ie) || ie.Attempts == 0 {
		return err
	}
	var te *transport.TransmissionError
	switch {
	case err == error(ie):
		return outbox.CutShort(ie)
	case errors.As(err, &te) && te.Err == error(ie):
		cut := *te
		cut.Err = outbox.CutShort(ie)
		return &cut
	}
	// A profile's error around the send's (the openaev profile's
	// "inject X: terminal callback (complete): context canceled"): the
	// send's part of it is said as CutShort says it, the error kept
	// (the openaev profile's undelivered result is read from it).
	msg, said := err.Error(), ie.Error()
	i := strings.LastIndex(msg, said)
	if i < 0 {
		return err
	}
	return &cutShortError{msg: msg[:i] + outbox.CutShort(ie).Error() + msg[i+len(said):], err: err}
}

// cutShortError is a profile's error whose send the abort cut short,
// said as cutShort says it.
type cutShortError struct {
	msg string
	err error
}

func (e *cutShortError) Error() string { return e.msg }
func (e *cutShortError) Unwrap() error { return e.err }

// Received calls the profile's Received hook, if it has one.
func (a abortable) Received(ctx context.Context, p *runtime.Prepared) error {
	if rc, ok := a.profile.(runtime.Receiver); ok {
		return rc.Received(ctx, p)
	}
	return nil
}

// Rejected hands the rejection to the profile's Rejecter, if it has one.
// Its send ignores the abort (an openaev rejection is posted whatever
// the interrupts): main, exiting at a second interrupt meanwhile, says
// that it is abandoned, kept nowhere.
func (a abortable) Rejected(ctx context.Context, r *runtime.Rejection) error {
	rj, ok := a.profile.(runtime.Rejecter)
	if !ok {
		return nil
	}
	release := a.abort.Unstoppable(fmt.Sprintf("the rejection of inject %s being sent (its terminal callback) is abandoned: "+
		"it is kept nowhere (--outbox none) and may not reach the platform", r.Request.InjectID))
	defer release()
	return rj.Rejected(ctx, r)
}

// Delivers names what the profile delivers (runtime.DeliveryOf).
func (a abortable) Delivers() string { return runtime.DeliveryOf(a.profile) }

// DeliveredAs names a successful delivery as the profile does.
func (a abortable) DeliveredAs() string {
	if n, ok := a.profile.(interface{ DeliveredAs() string }); ok {
		return n.DeliveredAs()
	}
	return "delivered"
}

// echoed is a delivery to a backend whose bodies are printed too, one a
// line, as they are without a backend (run --output json --backend-url),
// once the delivery returns, whatever its outcome: the exit code says
// whether they were delivered. A body not printed is logged.
type echoed struct {
	runtime.Deliverer
	print callback.Printer
	log   *zap.Logger
}

// Deliver delivers r, then prints its bodies.
func (d echoed) Deliver(ctx context.Context, r *runtime.Report) error {
	err := d.Deliverer.Deliver(ctx, r)
	if perr := d.print.Deliver(context.WithoutCancel(ctx), r); perr != nil {
		d.log.Warn("signatures not printed", zap.String("inject_id", r.InjectID), zap.Error(perr))
	}
	return err
}

// newClient builds the callback client for a base URL from the
// configuration: token, CA file, TLS verification.
func newClient(bc backendConfig, o Options, log *zap.Logger, base string, maxSize int) (*transport.Client, error) {
	opts := []transport.Option{
		transport.WithLogger(log),
		transport.WithToken(bc.Token),
		transport.WithProduct(o.product(), o.version()),
		transport.WithInsecure(bc.Insecure),
	}
	if o.retryDelay > 0 {
		opts = append(opts, transport.WithRetry(transport.DefaultAttempts, o.retryDelay))
	}
	if maxSize > 0 {
		opts = append(opts, transport.WithMaxPayloadSize(maxSize))
	}
	if bc.CAFile != "" {
		opts = append(opts, transport.WithCA(bc.CAFile, bc.caPEM))
	}
	client, err := transport.New(base, opts...)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return client, nil
}
