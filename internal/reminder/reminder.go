// Package reminder owns the level of a line that says again a lasting
// condition (a heartbeat failing, a result not delivered, a resend
// failing): WARN when it begins and again every Every while it lasts,
// DEBUG between, so that a condition lasting hours is said a few times an
// hour at WARN, not at every try. serve's heartbeats and openaev's held
// results share it; the outbox's Resender says its failures again at the
// same interval (outbox.StillFailingEvery is Every).
package reminder

import (
	"time"

	"go.uber.org/zap/zapcore"
)

// Every is how often a lasting condition is said again at WARN.
const Every = 15 * time.Minute

// Level is the level of a line that says, at now, a condition last said
// at WARN at *said (zero: never, or not since it last ended): WARN when
// Every has passed since, *said then set to now; DEBUG before. The caller
// sets *said to zero when the condition ends, so that its next beginning
// is said at WARN at once.
func Level(said *time.Time, now time.Time) zapcore.Level {
	if !said.IsZero() && now.Sub(*said) < Every {
		return zapcore.DebugLevel
	}
	*said = now
	return zapcore.WarnLevel
}
