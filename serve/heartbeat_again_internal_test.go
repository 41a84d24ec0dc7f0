package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/reminder"
	"github.com/injectkit/injectkit/internal/testkit"
)

// flakyRegistrar fails every registration while down is set, as a
// platform that is down, and answers reg otherwise.
type flakyRegistrar struct {
	down *atomic.Bool
	reg  Registration
}

func (f flakyRegistrar) Register(context.Context) (Registration, error) {
	if f.down.Load() {
		return Registration{}, errors.New("registration: connection refused")
	}
	return f.reg, nil
}

// heartbeating registers a runner (heartbeats every 40 s) with a
// flakyRegistrar down from the start when startDown, then runs its
// heartbeats until the test ends. Call it in a synctest bubble. It
// returns the registrar's switch and the runner's log, DEBUG and up.
func heartbeating(t *testing.T, startDown bool) (*atomic.Bool, *observer.ObservedLogs) {
	t.Helper()
	log, logs := testkit.LoggerAt(zap.DebugLevel)
	down := &atomic.Bool{}
	reg := Registration{Queue: "q", Broker: Broker{Host: "127.0.0.1", Port: 5672}}
	r := newRunner(&Daemon{Registrar: flakyRegistrar{down: down, reg: reg}, Log: log, HeartbeatInterval: 40 * time.Second})
	if _, err := r.register(context.Background(), firstRegistration); err != nil {
		t.Fatal(err)
	}
	down.Store(startDown)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.heartbeats(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return down, logs
}

// Heartbeats that fail, then succeed, say that they succeed again, once,
// as an INFO line counting the failures: the success after them was a
// DEBUG line, so an operator reading the log at its default level never
// learnt that the platform was back (/healthz alone said so). The
// failures are said once at WARN, again every reminder.Every, DEBUG
// between: each retry had its WARN "heartbeat failed", every few seconds
// to 40 s for as long as the platform was down.
func TestHeartbeatSaysItSucceedsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		down, logs := heartbeating(t, false)

		time.Sleep(time.Minute) // one heartbeat succeeds: nothing said at INFO
		synctest.Wait()
		down.Store(true)
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		failed := logs.FilterMessage("heartbeat failed").Len()
		if failed < 2 {
			t.Fatalf("%d heartbeats failed in 3 minutes, want several", failed)
		}
		if warned := logs.FilterMessage("heartbeat failed").FilterLevelExact(zap.WarnLevel).Len(); warned != 1 {
			t.Fatalf("%d of %d failed heartbeats said at WARN within 3 minutes, want the first alone (DEBUG after it)", warned, failed)
		}
		if n := logs.FilterMessage("heartbeat succeeded again").Len(); n != 0 {
			t.Fatalf("%d lines say the heartbeat succeeds again while it fails", n)
		}
		down.Store(false)
		time.Sleep(2 * time.Minute) // the next heartbeat, and another
		synctest.Wait()
		again := logs.FilterMessage("heartbeat succeeded again").All()
		if len(again) != 1 {
			t.Fatalf("%d lines say the heartbeat succeeds again, want 1; lines: %v", len(again), logs.All())
		}
		if n, _ := again[0].ContextMap()["failed_heartbeats"].(int64); int(n) != failed {
			t.Errorf("failed_heartbeats %d, want the %d heartbeats that failed", n, failed)
		}
	})
}

// Heartbeats failing for an hour are said at WARN as they start and again
// every reminder.Every, no more: not at every retry.
func TestHeartbeatFailingSaysItEveryQuarterHour(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, logs := heartbeating(t, true)
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		all := logs.FilterMessage("heartbeat failed")
		warns := all.FilterLevelExact(zap.WarnLevel).All()
		if len(warns) != 4 || all.Len() < 60 {
			t.Fatalf("%d of %d failed heartbeats in an hour said at WARN, want 4 (one every %s)", len(warns), all.Len(), reminder.Every)
		}
		for i, w := range warns[1:] {
			if gap := w.Time.Sub(warns[i].Time); gap < reminder.Every {
				t.Errorf("WARN %d %s after the one before, want at least %s", i+2, gap, reminder.Every)
			}
		}
	})
}
