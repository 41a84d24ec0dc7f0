package cli

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// startLockWait bounds serve's wait, at start, for another process's lock
// on its outbox (--outbox-lock-timeout when shorter): past it, serve
// starts with its consumption paused rather than exit, and /healthz
// answers from then on.
const startLockWait = 2 * time.Second

// startPoll is how often serve, started while another process holds its
// outbox's lock, tries the lock again (once each time, not waited for).
const startPoll = 500 * time.Millisecond

// Reasons of a pause at start (see lockedAtStart): the first is the one
// openaev's Handler gives a pause for a lock met later.
const (
	startLocked   = "outbox locked: "
	startUnusable = "outbox unusable: "
)

// openServeOutbox opens serve's outbox (nil with --outbox none). When
// another process holds its lock (the daemon this one replaces, still in
// its shutdown grace, on the same volume; an operator's outbox list of a
// large file), serve starts all the same: the pause returned (the
// Daemon's StartPaused) keeps it from consuming until the lock is free
// and the outbox opened, for no inject runs without its durable outbox.
// Any other failure (a path refused, a file that is not an outbox, no
// permission) is bad input: exit 2, as before.
// The pause's reason names the outbox as src gave it and what to do.
func openServeOutbox(oc outboxConfig, src source, o Options, log *zap.Logger) (*outbox.Store, *serve.PauseError, error) {
	path, err := outboxPath(oc, o)
	if err != nil || path == "" {
		return nil, nil, err
	}
	s, err := outbox.OpenDeferred(path, outboxOptions(oc, o, log, "serve", true, path), min(oc.LockTimeout, startLockWait))
	if s == nil {
		return nil, nil, outboxOpenError(err, "serve")
	}
	if err == nil {
		return s, nil, nil
	}
	return s, lockedAtStart(s, err, outboxGiven(src, o), log), nil
}

// outboxGiven says how the outbox was given, after a lock's error: "the
// outbox given by --outbox" (env INJECTKIT_OUTBOX, config file c.yaml:3),
// or "the default outbox, under XDG_STATE_HOME=/srv/state".
func outboxGiven(src source, o Options) string {
	if src.given() {
		return "the outbox given by " + src.named()
	}
	if v, dir := defaultOutboxVar(o); v != "" {
		return "the default outbox, under " + v + "=" + dir
	}
	return "the default outbox"
}

// lockedWhatToDo follows a lock's error at start (err) in the pause's
// reason: how the outbox was given (given) and what to do, as run's hint
// says it (withLockedHint), but the time to wait longer: the daemon
// consumes once the lock is free. "" for any other error.
func lockedWhatToDo(err error, given string) string {
	var le *outbox.LockedError
	if !errors.As(err, &le) {
		return ""
	}
	return "; it is " + given + ": wait for " + lockHolder(le) + " to let go of the outbox (or stop it)"
}

// lockedAtStart is the pause of a daemon whose outbox s another process
// held at start (locked): its reason names the lock, its holder and the
// outbox's path; its Wait tries the lock every startPoll and returns once
// the outbox is opened. A failure other than the lock once the lock is
// free (the file became unusable) keeps the pause, its reason saying so,
// with one ERROR per distinct failure. given says how the outbox was
// given (outboxGiven), in the reason of a lock.
func lockedAtStart(s *outbox.Store, locked error, given string, log *zap.Logger) *serve.PauseError {
	var now atomic.Pointer[string]
	set := func(err error) {
		r := startLocked + err.Error() + lockedWhatToDo(err, given)
		if !errors.Is(err, outbox.ErrLocked) {
			r = startUnusable + err.Error()
		}
		now.Store(&r)
	}
	set(locked)
	return &serve.PauseError{
		Err:     fmt.Errorf("outbox not opened at start: %w", locked),
		Reason:  *now.Load(),
		Current: func() string { return *now.Load() },
		Wait: func(ctx context.Context) error {
			t := time.NewTicker(startPoll)
			defer t.Stop()
			said := ""
			for {
				err := s.FinishOpen(0)
				if err == nil {
					log.Info("outbox opened: the other process let go of its lock", zap.String("outbox", s.Path()))
					return nil
				}
				if ctx.Err() != nil {
					return ctx.Err()
				}
				set(err)
				if !errors.Is(err, outbox.ErrLocked) && err.Error() != said {
					said = err.Error()
					log.Error("outbox unusable once its lock was free: not consuming until it is", zap.String("outbox", s.Path()), zap.Error(err))
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-t.C:
				}
			}
		},
	}
}
