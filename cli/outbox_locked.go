package cli

import (
	"errors"
	"strconv"
	"time"

	"github.com/injectkit/injectkit/transport/outbox"
)

// withLockedHint gives err, the exit of a command that could not open its
// outbox, the hint of an outbox another process kept locked past the
// timeout (*outbox.LockedError): the line names the holder; the hint says
// what to do, naming the timeout's setting as the user gave it (lock, its
// value timeout). Any other error is returned as it is.
func withLockedHint(err error, lock source, timeout time.Duration) error {
	var (
		le *outbox.LockedError
		ee *ExitError
	)
	if !errors.As(err, &le) || !errors.As(err, &ee) || ee.Hint != "" {
		return err
	}
	holder := lockHolder(le)
	than := "than " + timeout.String()
	if !lock.given() {
		than = "than its default " + timeout.String()
	}
	ee.Hint = "nothing was done: wait for " + holder + " to let go of the outbox (or stop it) and run this again, " +
		"or wait longer for it: give " + lock.named() + " a longer time " + than
	return err
}

// lockHolder names the process holding the outbox's lock (le), as a hint
// of what to wait for: "process 4374", or "the process holding it" when
// no live holder is recorded.
func lockHolder(le *outbox.LockedError) string {
	if le.PID != 0 && !le.Stale {
		return "process " + strconv.Itoa(le.PID)
	}
	return "the process holding it"
}
