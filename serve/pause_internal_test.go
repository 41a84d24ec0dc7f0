package serve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
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

// TestPauseLinesSayWhatHappens checks the lines of a pause for a full
// outbox, when room comes back before the consumer is cancelled (its
// Current says "outbox room freed, resuming"): the pause is flow
// control, logged at WARN, not ERROR; the stop of the consumer, at INFO,
// says it stops for the reason the pause began with, not that it is
// resuming; and the resumption names that reason too.
func TestPauseLinesSayWhatHappens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.DebugLevel)
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Log: zap.New(core)})
		r.ctx, r.base = t.Context(), t.Context()
		room := make(chan struct{})
		full := "outbox full: 2096 of 3000 bytes stored, 786 reserved for 3 results in flight; the next needs 262"
		freed := "outbox room freed, resuming: 1834 of 3000 bytes stored, 524 reserved for 2 results in flight; the next needs 262"
		pe := &PauseError{Err: errors.New("inject i-1 not run: " + full), Reason: full,
			Current: func() string { return freed },
			Wait:    func(context.Context) error { <-room; return nil }}
		done := make(chan bool)
		go func() { done <- r.paused(&job{dl: amqp.Delivery{Acknowledger: &nacks{}}}, pe, zap.NewNop()) }()
		synctest.Wait()
		s := &session{reg: Registration{Queue: "q"}, tag: "c"}
		r.stoppedConsuming(s)
		resumed := make(chan endReason)
		go func() { resumed <- r.waitResume(t.Context(), s) }()
		synctest.Wait()
		close(room)
		if why := <-resumed; why != endResumed {
			t.Fatalf("waitResume = %v, want endResumed", why)
		}
		if again := <-done; !again {
			t.Fatal("the message that paused is not handled again")
		}
		tests := []struct {
			msg   string // the start of the line
			level zapcore.Level
		}{
			{"consumption paused: " + full, zapcore.WarnLevel},
			{"stopped consuming until the pause ends: " + full, zapcore.InfoLevel},
			{"consumption resumed", zapcore.InfoLevel},
		}
		for _, tt := range tests {
			lines := logs.FilterMessageSnippet(tt.msg).All()
			if len(lines) != 1 {
				t.Errorf("%d lines %q, want 1; logged: %v", len(lines), tt.msg, logs.All())
				continue
			}
			if lines[0].Level != tt.level {
				t.Errorf("%q logged at %v, want %v", tt.msg, lines[0].Level, tt.level)
			}
			if tt.msg == "consumption resumed" && lines[0].ContextMap()["reason"] != full {
				t.Errorf("resumed: reason %q, want the reason the pause began with", lines[0].ContextMap()["reason"])
			}
		}
		for _, e := range logs.All() {
			if strings.Contains(e.Message, "stopped consuming") && strings.Contains(e.Message, "resuming") {
				t.Errorf("a stop of the consumer says it is resuming: %q", e.Message)
			}
		}
	})
}
