package cli

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// What serve adds to the openaev package's Registrar and Handler (see
// serveAction): the runtime's timings in the daemon's metrics, and the
// resender of the outbox.

// Interface guard.
var _ runtime.Observer = metricsObserver{}

// metricsObserver feeds the daemon's runs (injectkit_injects_executed_total)
// and execution and delivery durations from the runtime, which times every
// inject, and says at WARN which runs failed, with the message's delivery
// (the report's LogFields) and the run's duration: the runtime's
// "executed" line is DEBUG in a daemon, and its "delivered" line INFO,
// one among many.
type metricsObserver struct {
	m      *serve.Metrics
	log    *zap.Logger         // nil: no WARN
	redact func(string) string // the runtime's log redaction (runtime.WithLogRedaction)
}

// OnExecuted counts the run by its outcome; one whose report the runtime
// could not build (err) as serve.StatusError, not failed, and without the
// WARN: its injector returned no failure, and the refusal that follows is
// logged where the inject is settled.
func (o metricsObserver) OnExecuted(r *runtime.Report, d time.Duration, err error) {
	o.m.ObserveExecution(r.Injector, d)
	if err != nil {
		o.m.InjectExecuted(r.Injector, serve.StatusError)
		return
	}
	o.m.InjectExecuted(r.Injector, string(r.Status))
	if o.log == nil || r.Status != framework.StatusFailed {
		return
	}
	fields := append([]zap.Field{zap.String("inject_id", r.InjectID), zap.String("injector", r.Injector)}, r.LogFields...)
	fields = append(fields, zap.String("status", string(r.Status)), zap.Duration("duration", d))
	if ei := r.Output.ErrorInfo; ei != nil && ei.Message != "" {
		fields = append(fields, zap.String("error", runtime.LoggedMessage(ei.Message, o.redact)))
	}
	o.log.Warn("inject failed: its injector returned the failed status, which its terminal callback reports", fields...)
}

// OnDelivered observes the delivery's duration and counts a result the
// outbox failed to store (injectkit_outbox_store_failures_total): the
// Handler then sends it unstored and holds it in memory, and once the
// platform takes it nothing else in the metrics shows the outbox failed.
func (o metricsObserver) OnDelivered(r *runtime.Report, d time.Duration, err error) {
	o.m.ObserveDelivery(r.Injector, d)
	if storeFailed(err) {
		o.m.OutboxStoreFailed(r.Injector)
	}
}

// storeFailed reports whether err, a delivery's, is the outbox's failure
// to store the result (outbox.UnstoredError: full, a write refused, locked
// past its lock timeout), or its refusal to while a process of an earlier
// injectkit holds it (outbox.HeldByOlderError).
func storeFailed(err error) bool {
	var ue *outbox.UnstoredError
	var oe *outbox.HeldByOlderError
	return errors.As(err, &ue) || errors.As(err, &oe)
}

// callbackMargin is the time an inject's message is held beside its
// execution: its reception before, its terminal callback after, each
// tried 4 times with up to 30 s per attempt and between attempts.
const callbackMargin = 5 * time.Minute

// handleTime is how long a message may stay unacknowledged when its
// inject runs under timeout (0: the runtime's default) and the platform
// is slow to take its callbacks (see serve.Daemon.HandleTime).
func handleTime(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		timeout = runtime.DefaultTimeout
	}
	return timeout + callbackMargin
}

// startResender resends the terminal callbacks the profile keeps in store
// in the background until the returned stop is called.
func startResender(ctx context.Context, store *outbox.Store, p *openaev.Profile, wake <-chan struct{}, m *serve.Metrics,
	log *zap.Logger, up *platformUp) (stop func()) {
	rs := &outbox.Resender{Store: store, Log: log, Wake: wake, Select: p.Owns,
		// How late each body it delivers reached the platform.
		Delivered: func(r outbox.Record) { m.ObserveResend(time.Since(r.Created)) },
		// A stored "complete" of an inject the platform shows finished
		// (another daemon ran its redelivered message) is not sent twice.
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: p}, nil }}
	up.rs.Store(rs)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Not before the outbox is opened: one another process held at
		// start (see openServeOutbox) counts the attempts that ended
		// processes cut short before any body is sent again.
		select {
		case <-store.Opened():
		case <-ctx.Done():
			return
		}
		_ = rs.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// platformUp tells the outbox's resender, once it runs, of each answer of
// the platform that shows it back: a registration (heartbeat) that
// succeeded, a callback it accepted. The callbacks kept while it was down
// are then sent at once, in order, until one fails (see
// outbox.Resender.Up), rather than each at the end of its own backoff, up
// to 5 minutes later. The resender selects this platform's bodies alone.
type platformUp struct {
	rs atomic.Pointer[outbox.Resender]
}

func (u *platformUp) tell() {
	if rs := u.rs.Load(); rs != nil {
		rs.Up("")
	}
}

// counting returns count, which also tells the resender of each callback
// the platform accepted (a 2xx).
func (u *platformUp) counting(count func(status int)) func(status int) {
	return func(status int) {
		count(status)
		if status >= 200 && status < 300 {
			u.tell()
		}
	}
}

// resendOnceRegistered is the daemon's Registrar: the outbox's resender
// (start) starts once a registration succeeded, so that a daemon the
// platform refuses at start (exit 2: a contract another binary's injector
// holds, a setting refused) sends nothing, no callback an earlier daemon
// kept. Register is never called twice at once (serve.Registrar); stop
// may be, from the daemon's end.
type resendOnceRegistered struct {
	serve.Registrar
	start func() (stop func())
	up    *platformUp // told of each registration that succeeded

	mu   sync.Mutex
	stop func()
}

// Register registers; the first success starts the resender.
func (r *resendOnceRegistered) Register(ctx context.Context) (serve.Registration, error) {
	reg, err := r.Registrar.Register(ctx)
	if err == nil {
		r.mu.Lock()
		if r.stop == nil {
			r.stop = r.start()
		}
		r.mu.Unlock()
		if r.up != nil {
			r.up.tell() // a heartbeat: the platform answers
		}
	}
	return reg, err
}

// Stop stops the resender, if it started.
func (r *resendOnceRegistered) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
	}
}
