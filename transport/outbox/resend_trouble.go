package outbox

import (
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/reminder"
)

// How a Resender says a failure that lasts: once when it starts, again
// every StillFailingEvery while it goes on, and once when it ends, rather
// than a line at every retry of every body for as long as a backend is
// down or the disk full (issue 14 point 11: one failure reaches the user
// once).

// StillFailingEvery is how often a Resender says again, as a WARN, a
// failure it said that goes on (a backend down or refusing the token, the
// attempts not noted); the retries in between are DEBUG lines. It is
// reminder.Every, the interval serve's heartbeats and the openaev
// profile's held results say a lasting condition again.
const StillFailingEvery = reminder.Every

// troubleKind names what fails: one backend (by base URL), its token, or
// the notes beside the outbox (every body's).
type troubleKind int

const (
	troubleBackend troubleKind = iota // the backend did not take the body (down, 5xx, asked to wait)
	troubleToken                      // the backend refused the token (401, 403)
	troubleNotes                      // attempts cannot be noted beside the outbox
)

type troubleKey struct {
	kind    troubleKind
	baseURL string // "" for troubleNotes
}

// trouble is a failure said once, going on.
type trouble struct {
	since  time.Time // its first failed attempt
	said   time.Time // its last WARN (or ERROR) line
	failed int       // attempts failed since since
}

// failing counts one more failed attempt of k at now and returns the
// level of its line and the fields it adds: the first failure's level
// (warn) with none, the same level with failing_since and
// failed_attempts once StillFailingEvery passed since the last line said
// (still true), DEBUG otherwise.
func (rs *Resender) failing(k troubleKey, now time.Time, warn zapcore.Level) (level zapcore.Level, still bool, fields []zap.Field) {
	if rs.troubles == nil {
		rs.troubles = map[troubleKey]*trouble{}
	}
	t, ok := rs.troubles[k]
	if !ok {
		rs.troubles[k] = &trouble{since: now, said: now, failed: 1}
		return warn, false, nil
	}
	t.failed++
	if now.Sub(t.said) < StillFailingEvery {
		return zapcore.DebugLevel, false, nil
	}
	t.said = now
	return warn, true, t.fields()
}

func (t *trouble) fields() []zap.Field {
	return []zap.Field{zap.Time("failing_since", t.since), zap.Int("failed_attempts", t.failed)}
}

// recovered ends the troubles of k's kinds that a success at now ends
// (a delivery to baseURL ends its backend's and its token's; a noted
// attempt, baseURL "", the notes'), each said by one INFO line, when it
// was said.
func (rs *Resender) recovered(baseURL string, now time.Time, kinds ...troubleKind) {
	for _, kind := range kinds {
		k := troubleKey{kind: kind, baseURL: baseURL}
		t, ok := rs.troubles[k]
		if !ok {
			continue
		}
		delete(rs.troubles, k)
		fields := append(t.fields(), zap.Duration("failed_for", now.Sub(t.since)))
		if baseURL != "" {
			fields = append(fields, zap.String("base_url", httpx.StripCredentials(baseURL)))
		}
		switch kind {
		case troubleBackend:
			rs.log().Info("outbox backend takes bodies again", fields...)
		case troubleToken:
			rs.log().Info("outbox backend accepts the token again", fields...)
		case troubleNotes:
			rs.log().Info("outbox attempts can be noted again; bodies are sent", fields...)
		}
	}
}

// say writes msg at level to log, the still-failing form when still.
func say(log *zap.Logger, level zapcore.Level, still bool, msg, stillMsg string, fields ...zap.Field) {
	if still {
		msg = stillMsg
	}
	if ce := log.Check(level, msg); ce != nil {
		ce.Write(fields...)
	}
}
