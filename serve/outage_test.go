package serve_test

import (
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A broker down for an hour was said at WARN at every retry to reach it
// (every 30 s once the backoff is at its most): one fault, a line per
// retry. Seen from outside: rabbitmqctl stop_app for 3 minutes, nine
// WARN "broker connection failed" and five "re-registration failed" of
// one daemon. Now the outage is said at WARN when it begins (and every
// 15 minutes), its retries at DEBUG, and the "consuming" line that ends
// it names the attempts.
func TestIntegrationBrokerOutageSaidOnceNotPerRetry(t *testing.T) {
	f := newFixture(t, newRecorder(nil))
	good := f.reg.reg
	down := good
	down.Broker.Port = testkit.ClosedPort(t, "tcp", "127.0.0.1:0")
	f.reg.set(down, nil)
	f.d.HeartbeatInterval = 50 * time.Millisecond // the re-registrations of the retries as often as they come
	start(t, f.d)
	const retries = 6
	waitFor(t, "the broker's first retry", func() bool { return f.logs.FilterMessage("broker connection failed").Len() > 0 })
	f.reg.set(down, errors.New("status 500: declare the injector's queue: the broker is down")) // its platform's broker too
	waitFor(t, "the broker's retries", func() bool {
		return f.logs.FilterMessage("broker connection failed").Len() >= retries &&
			f.logs.FilterMessage("re-registration failed").Len() >= 3
	})
	f.reg.set(good, nil)
	waitFor(t, "the daemon consuming", func() bool { return f.logs.FilterMessage("consuming").Len() > 0 })

	tests := []struct{ msg string }{{"broker connection failed"}, {"re-registration failed"}}
	for _, tt := range tests {
		warns := 0
		for _, e := range f.logs.FilterMessage(tt.msg).All() {
			if e.Level >= zapcore.WarnLevel {
				warns++
			}
		}
		if warns > 1 {
			t.Errorf("%d WARN %q for one outage, want 1 (then DEBUG)", warns, tt.msg)
		}
	}
	consuming := f.logs.FilterMessage("consuming").All()[0].ContextMap()
	if n, _ := consuming["failed_attempts"].(int64); n < retries {
		t.Errorf("consuming: failed_attempts %v, want at least %d: %v", consuming["failed_attempts"], retries, consuming)
	}
	if _, ok := consuming["failing_since"]; !ok {
		t.Errorf("consuming: no failing_since: %v", consuming)
	}
}
