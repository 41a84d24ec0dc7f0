package serve

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

type okRegistrar struct{}

func (okRegistrar) Register(context.Context) (Registration, error) {
	return Registration{Broker: Broker{Host: "127.0.0.1", Port: 5672}, Queue: "q"}, nil
}

func pausedGauge(t *testing.T, m *Metrics) float64 {
	t.Helper()
	mfs, err := m.gatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "injectkit_consumption_paused" {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal("no injectkit_consumption_paused")
	return 0
}

// TestPausedGaugeFollowsARegistrationDuringTheRequeueDelay checks that a
// pause ended by a registration while the refused messages wait out their
// requeue delay leaves injectkit_consumption_paused at 0: the gauge is set
// when the pause starts, not after the delay.
func TestPausedGaugeFollowsARegistrationDuringTheRequeueDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := NewMetrics(prometheus.NewRegistry())
		r := newRunner(&Daemon{Registrar: okRegistrar{}, AuthFailures: 2, RequeueDelay: time.Hour, Metrics: m})
		r.ctx, r.base = t.Context(), t.Context()
		done := make(chan struct{})
		for _, key := range []string{"inj-a", "inj-b"} {
			go func() {
				defer func() { done <- struct{}{} }()
				r.unauthorized(&job{}, &UnauthorizedError{Err: errors.New("status 401"), Key: key}, zap.NewNop())
			}()
		}
		synctest.Wait() // both wait out the requeue delay; the second one paused
		if _, paused := r.auth.state(); !paused || pausedGauge(t, m) != 1 {
			t.Errorf("paused %v, gauge %v after 2 refusals: want a pause and 1", paused, pausedGauge(t, m))
		}
		if _, err := r.register(t.Context(), "heartbeat"); err != nil {
			t.Fatal(err)
		}
		close(r.stopping) // the requeues go through
		<-done
		<-done
		if _, paused := r.auth.state(); paused || pausedGauge(t, m) != 0 {
			t.Errorf("after the registration and the requeues: paused %v, gauge %v; want neither", paused, pausedGauge(t, m))
		}
	})
}

// TestOneMessageRefusedAgainCountsOnce checks the streak of refusals in a
// row: the redeliveries of one message count once, so one message alone
// never pauses the daemon, while distinct messages do.
func TestOneMessageRefusedAgainCountsOnce(t *testing.T) {
	tests := []struct {
		name      string
		keys      []string
		wantInRow int
		wantPause bool
	}{
		{"one message refused 5 times", []string{"a", "a", "a", "a", "a"}, 1, false},
		{"three messages", []string{"a", "b", "a", "c"}, 3, true},
		{"no key: each counts", []string{"", "", ""}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthState(3, make(chan struct{}, 1))
			var n int
			paused := false
			for _, k := range tt.keys {
				var p bool
				n, p = a.failed(k)
				paused = paused || p
			}
			if n != tt.wantInRow || paused != tt.wantPause {
				t.Errorf("in a row %d, paused %v; want %d, %v", n, paused, tt.wantInRow, tt.wantPause)
			}
		})
	}
}
