package serve

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/reminder"
)

// outage is the broker's unavailability as the consume loop says it: one
// WARN when a failure to connect or consume begins, or its cause changes,
// and again every reminder.Every while it lasts, DEBUG at the retries
// between (a broker stopped for an hour said "broker connection failed"
// at WARN every 30 s, one line per retry), and the attempts it took
// named by the "consuming" line that ends it.
type outage struct {
	since    time.Time // the first failure of those in a row, zero while consuming
	attempts int       // the failures in a row
	said     time.Time // when a WARN last said it (reminder.Level)
	why      string    // the failure that WARN said
}

// failed records a failure, why its cause, at now, and returns the level
// of its line.
func (o *outage) failed(why string, now time.Time) zapcore.Level {
	if o.attempts == 0 {
		o.since = now
	}
	o.attempts++
	if why != o.why {
		o.why, o.said = why, time.Time{}
	}
	return reminder.Level(&o.said, now)
}

// ended returns the fields the line saying the outage ended carries (none
// when there was none), and forgets it.
func (o *outage) ended(now time.Time) []zap.Field {
	if o.attempts == 0 {
		return nil
	}
	fields := []zap.Field{zap.Int("failed_attempts", o.attempts), zap.Time("failing_since", o.since),
		zap.Duration("failed_for", now.Sub(o.since))}
	*o = outage{}
	return fields
}
