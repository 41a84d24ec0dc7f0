package serve

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/reminder"
)

// register sends one registration and records its outcome. A registration
// that differs from the current one is adopted and signalled on changed.
func (r *runner) register(ctx context.Context, kind string) (Registration, error) {
	return r.registerThen(ctx, kind, nil)
}

// registerThen is register; retryIn, when not nil, gives the wait before
// the caller's next try after a failure that is not permanent, which the
// failure's line names (retry_in): one line says what the platform
// answered, the wait its Retry-After asked included, and when the next
// try comes.
func (r *runner) registerThen(ctx context.Context, kind string, retryIn func(error) time.Duration) (Registration, error) {
	r.regMu.Lock()
	defer r.regMu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	t0 := time.Now()
	var retried atomic.Pointer[error] // the last attempt's failure another was to follow
	reg, err := r.d.Registrar.Register(withRetryNote(cctx, func(err error) {
		// An attempt failed, another follows: /healthz says why meanwhile.
		retried.Store(&err)
		why := registrationReason(err) + " (retrying)"
		r.regFailure.Store(&why)
	}))
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		te := &registerTimeoutError{err: err}
		var ie *httpx.InterruptedError
		if last := retried.Load(); last != nil && errors.As(err, &ie) && ie.Waiting {
			// The limit ended the wait for the next attempt (a
			// Retry-After as long as the limit): the platform answered.
			te.last = *last
		}
		err = te
	}
	if err == nil {
		if verr := reg.Validate(); verr != nil {
			err = Permanent(fmt.Errorf("invalid registration reply: %w", verr))
		}
	}
	if err != nil && ctx.Err() != nil {
		return Registration{}, err // shutting down: not a platform failure
	}
	r.metrics.heartbeat(err == nil)
	if err != nil {
		why := registrationReason(err)
		r.regFailure.Store(&why)
		r.heartbeatOK.Store(false)
		if kind == firstRegistration && IsPermanent(err) {
			// registerFirst returns it, and Run with it: its caller says
			// it (injectkit serve's exit line), not this log as well.
			return Registration{}, err
		}
		level := r.log.Warn
		fields := []zap.Field{zap.Duration("duration", time.Since(t0)), zap.Error(err)}
		var next time.Duration
		if retryIn != nil {
			next = retryIn(err)
		}
		switch {
		case IsPermanent(err):
			// What retrying cannot fix (a token refused, a bad
			// configuration): the error says what to check.
			level = r.log.Error
		case retryIn != nil:
			fields = append(fields, zap.Duration("retry_in", next))
		}
		// A re-registration of the consume loop's retries is one more
		// registration of the failing heartbeats: said as they are.
		if kind != firstRegistration && !IsPermanent(err) && reminder.Level(&r.beatSaid, t0) == zapcore.DebugLevel {
			level = r.log.Debug
		}
		level(kind+" failed", fields...)
		return Registration{}, err
	}
	r.heartbeatOK.Store(true)
	r.beatSaid = time.Time{}
	r.lastBeat.Store(time.Now().UnixNano())
	r.auth.registered()
	r.syncPaused()
	r.mu.Lock()
	prev := r.current
	r.current = reg
	r.mu.Unlock()
	if reg.Broker.TLS != prev.Broker.TLS || prev == (Registration{}) {
		r.logTLS(reg)
	}
	switch {
	case prev == Registration{}:
		r.log.Info("registered", zap.Stringer("broker", reg.Broker), zap.String("queue", reg.Queue),
			zap.Duration("duration", time.Since(t0)))
	case prev != reg:
		r.log.Info("registration changed", zap.Stringer("broker", reg.Broker), zap.String("queue", reg.Queue),
			zap.Stringer("previous_broker", prev.Broker), zap.String("previous_queue", prev.Queue))
		select {
		case r.changed <- struct{}{}:
		default:
		}
	default:
		r.log.Debug(kind+" ok", zap.Duration("duration", time.Since(t0)))
	}
	return reg, nil
}

// logTLS says, when the registration's use_ssl leaves the broker TLS
// settings unused, that it does.
func (r *runner) logTLS(reg Registration) {
	if !reg.Broker.TLS && r.d.TLSConfig != nil {
		r.log.Warn("the platform's registration says use_ssl false: the broker is reached without TLS and the broker TLS settings are unused",
			zap.Stringer("broker", reg.Broker))
	}
}

func (r *runner) registration() Registration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.current
}

// firstRegistration is the kind of registerFirst's registrations: a
// permanent failure of one is returned by Run, not logged.
const firstRegistration = "registration"

// registerFirst registers until it succeeds, ctx is done or the error is
// permanent.
func (r *runner) registerFirst(ctx context.Context) (Registration, error) {
	for n := 1; ; n++ {
		var wait time.Duration
		reg, err := r.registerThen(ctx, firstRegistration, func(err error) time.Duration {
			wait = askedOr(err, r.backoff(n))
			return wait
		})
		if err == nil {
			return reg, nil
		}
		if IsPermanent(err) {
			return Registration{}, fmt.Errorf("register: %w", err)
		}
		if ctx.Err() != nil || !sleep(ctx, wait) {
			return Registration{}, ctx.Err()
		}
	}
}

// heartbeats repeats the registration every heartbeatInterval, sooner
// after a failure (unless the platform asked for a longer wait), until
// ctx is done. The first heartbeat that succeeds after failures says so,
// once: the failures had their WARN (the first, then one every
// reminder.Every, DEBUG between: a platform down for an hour said
// "heartbeat failed" at WARN every few seconds to 40 s, one line per
// retry), and an operator reading them needs the line that says they
// ended.
func (r *runner) heartbeats(ctx context.Context) {
	wait := r.heartbeatInterval
	var since time.Time // the first failure of those in a row
	for fails := 0; ; {
		if !sleep(ctx, wait) {
			return
		}
		_, err := r.registerThen(ctx, heartbeatKind, func(err error) time.Duration {
			wait = askedOr(err, min(r.backoff(fails+2), r.heartbeatInterval))
			return wait
		})
		if err != nil {
			if fails == 0 {
				since = time.Now()
			}
			fails++
			continue
		}
		if fails > 0 && ctx.Err() == nil {
			r.log.Info("heartbeat succeeded again", zap.Int("failed_heartbeats", fails),
				zap.Time("failing_since", since), zap.Duration("failed_for", time.Since(since)))
		}
		fails, wait = 0, r.heartbeatInterval
	}
}

// heartbeatKind is the kind of the heartbeats' registrations.
const heartbeatKind = "heartbeat"

// mostAskedWait caps the wait a Retry-After asks of serve's next
// registration: a platform in maintenance asking an hour is asked again
// every 10 minutes, a header asking days (ParseRetryAfter reads up to 12)
// does not stall the daemon for them.
const mostAskedWait = 10 * time.Minute

// askedOr returns the wait before the next registration after err: the
// one the platform's last answer asked with a Retry-After (a 429 or 503,
// httpx.HTTPError.RetryAfter), at most mostAskedWait, when longer than
// backoff; backoff otherwise.
func askedOr(err error, backoff time.Duration) time.Duration {
	var he *httpx.HTTPError
	if errors.As(err, &he) && he.RetryAfter > backoff {
		return min(he.RetryAfter, max(mostAskedWait, backoff))
	}
	return backoff
}
