package serve

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// A daemon that starts paused (Daemon.StartPaused: its outbox held by
// another process) consumes only once the pause's Wait returns: meanwhile
// /healthz answers 503 with the pause's reason, the paused gauge is 1 and
// one WARN said it; a stop first ends the wait without consuming.
func TestPausedAtStartWaitsForThePausesEnd(t *testing.T) {
	const reason = "outbox locked: outbox /o.db is locked by process 7 (flock); gave up after 2s"
	tests := []struct {
		name string
		stop bool // the daemon is stopped before the pause ends
	}{
		{"the pause ends", false},
		{"stopped while paused", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				core, logs := observer.New(zapcore.InfoLevel)
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: &noter{}, Log: zap.New(core)})
				free := make(chan struct{})
				pe := &PauseError{Err: errors.New("locked"), Reason: reason,
					Wait: func(ctx context.Context) error {
						select {
						case <-free:
							return nil
						case <-ctx.Done():
							return ctx.Err()
						}
					}}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				r.ctx = ctx
				consume := make(chan bool, 1)
				go func() { consume <- r.pausedAtStart(ctx, pe) }()
				synctest.Wait()
				if h := r.health(); h.Status == "ok" || !h.Paused || h.Reason != reason {
					t.Errorf("health while paused at start: %+v", h)
				}
				if g := pausedGauge(t, r.metrics); g != 1 {
					t.Errorf("paused gauge %v while paused at start", g)
				}
				select {
				case <-consume:
					t.Fatal("consumption started while paused")
				default:
				}
				if tt.stop {
					cancel()
				} else {
					close(free)
				}
				if got := <-consume; got == tt.stop {
					t.Errorf("pausedAtStart = %v, want %v", got, !tt.stop)
				}
				synctest.Wait()
				if !tt.stop {
					if h := r.health(); h.Paused {
						t.Errorf("still paused after the pause ended: %+v", h)
					}
					if g := pausedGauge(t, r.metrics); g != 0 {
						t.Errorf("paused gauge %v after the pause ended", g)
					}
				}
				if n := logs.FilterMessage("consumption not started: " + reason + "; the daemon registers, and consumes once this clears").Len(); n != 1 {
					t.Errorf("%d WARNs of the pause at start, want 1", n)
				}
			})
		})
	}
}
