package serve

import (
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// nacks counts the requeues of a message.
type nacks struct{ n int }

func (a *nacks) Ack(uint64, bool) error { return nil }
func (a *nacks) Nack(_ uint64, _, requeue bool) error {
	if requeue {
		a.n++
	}
	return nil
}
func (a *nacks) Reject(uint64, bool) error {
	return errors.New("a message failing transiently is never rejected")
}

// TestRetryDelayGrowsPerMessage checks that a message whose handling
// keeps failing (its reception refused with a 500, say) is kept by its
// worker, never returned to the broker, and handled again after a delay
// that doubles up to MaxRequeueDelay, the attempt logged; that another
// message starts from RequeueDelay; and that one handled starts again
// from it.
func TestRetryDelayGrowsPerMessage(t *testing.T) {
	type step struct {
		body    string
		err     error
		attempt int           // of the requeue logged, 0 for none
		delay   time.Duration // before the message was settled or handled again
	}
	status500 := errors.New("reception: status 500")
	tests := []struct {
		name  string
		steps []step
	}{
		{"one inject refused for ever", []step{
			{"a", status500, 1, 2 * time.Second}, {"a", status500, 2, 4 * time.Second}, {"a", status500, 3, 8 * time.Second},
			{"a", status500, 4, 16 * time.Second}, {"a", status500, 5, 32 * time.Second}, {"a", status500, 6, time.Minute},
			{"a", status500, 7, time.Minute}, {"a", status500, 8, time.Minute},
		}},
		{"each message its own count", []step{
			{"a", status500, 1, 2 * time.Second}, {"a", status500, 2, 4 * time.Second}, {"b", status500, 1, 2 * time.Second},
			{"a", status500, 3, 8 * time.Second},
		}},
		{"handled: counted again from the start", []step{
			{"a", status500, 1, 2 * time.Second}, {"a", status500, 2, 4 * time.Second}, {"a", nil, 0, 0},
			{"a", status500, 1, 2 * time.Second},
		}},
		{"rejected: counted again from the start", []step{
			{"a", status500, 1, 2 * time.Second}, {"a", Permanent(status500), 0, 0}, {"a", status500, 1, 2 * time.Second},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				core, logs := observer.New(zapcore.WarnLevel)
				r := newRunner(&Daemon{Registrar: okRegistrar{}, RequeueDelay: 2 * time.Second, Log: zap.New(core)})
				for i, s := range tt.steps {
					ack := &nacks{}
					start := time.Now()
					again := r.finish(&job{dl: amqp.Delivery{Acknowledger: ack, Body: []byte(s.body)}}, s.err)
					if got := time.Since(start); got != s.delay {
						t.Errorf("step %d (%s): settled or handled again after %s, want %s", i, s.body, got, s.delay)
					}
					if again != (s.attempt > 0) || ack.n != 0 {
						t.Errorf("step %d (%s): handled again %v, requeued %d times; want again %v, never requeued",
							i, s.body, again, ack.n, s.attempt > 0)
					}
					var requeues []observer.LoggedEntry
					for _, e := range logs.TakeAll() {
						if e.Message == "handling failed; the message is kept and handled again" {
							requeues = append(requeues, e)
						}
					}
					switch {
					case s.attempt == 0 && len(requeues) != 0:
						t.Errorf("step %d (%s): logged a retry", i, s.body)
					case s.attempt == 0:
					case len(requeues) != 1:
						t.Errorf("step %d (%s): %d retries logged; want 1", i, s.body, len(requeues))
					default:
						f := requeues[0].ContextMap()
						if f["attempt"] != int64(s.attempt) || f["delay"] != s.delay {
							t.Errorf("step %d (%s): logged attempt %v, delay %v; want %d, %s", i, s.body, f["attempt"], f["delay"], s.attempt, s.delay)
						}
					}
				}
			})
		})
	}
}

// TestRetryWaitEndsAtTheShutdown checks that a message waiting to be
// handled again when the shutdown starts is returned to the queue at
// once, once, and not handled again.
func TestRetryWaitEndsAtTheShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRunner(&Daemon{Registrar: okRegistrar{}, RequeueDelay: time.Hour})
		ack := &nacks{}
		done := make(chan bool)
		go func() {
			done <- r.finish(&job{dl: amqp.Delivery{Acknowledger: ack, Body: []byte("a")}}, errors.New("reception: status 503"))
		}()
		synctest.Wait() // waiting out the delay
		start := time.Now()
		close(r.stopping)
		if again := <-done; again || ack.n != 1 {
			t.Errorf("handled again %v, requeued %d times; want requeued once, not handled again", again, ack.n)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("requeued %s after the shutdown started, want at once", waited)
		}
	})
}

// TestRequeueCountsAreBounded checks that the counts kept stay within
// maxKeys messages however many fail.
func TestRequeueCountsAreBounded(t *testing.T) {
	var rt retries
	for i := range maxKeys + 10 {
		rt.failed(fmt.Appendf(nil, "message %d", i), time.Second)
	}
	if n := len(rt.n); n != maxKeys {
		t.Errorf("%d counts kept, want %d", n, maxKeys)
	}
	if attempt, _ := rt.failed([]byte("message 0"), time.Second); attempt > 2 {
		t.Errorf("attempt %d", attempt)
	}
}

// closedNacks is the acknowledger of a message whose channel closed: its
// requeue fails.
type closedNacks struct{ nacks }

func (a *closedNacks) Nack(uint64, bool, bool) error { return amqp.ErrClosed }

// TestDroppedResultSaidWhenTheChannelClosed is reviewer r18's finding: a
// result the shutdown dropped, whose message's requeue failed because its
// channel had closed, was logged only "the message is not returned, its
// channel closed", not the ERROR saying the result is dropped and the
// inject will run again. The channel's close returns the message as the
// requeue would: one ERROR line says so, whichever returned it; a
// transient failure there keeps its WARN.
func TestDroppedResultSaidWhenTheChannelClosed(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantLevel zapcore.Level
		wantMsg   string
	}{
		{"a held result dropped", &DroppedError{Err: errors.New("complete: answer 503")}, zapcore.ErrorLevel,
			"shutdown timeout: the inject's result, held in memory and not delivered, is dropped; its message goes back to the queue and the inject will run again"},
		{"a transient failure", errors.New("reception: answer 503"), zapcore.WarnLevel,
			"shutting down: the message is not returned, its channel closed: the broker delivers it again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Log: zap.New(core)})
			close(r.stopping)
			j := &job{dl: amqp.Delivery{Acknowledger: &closedNacks{}, Body: []byte("a")}}
			j.named("i-held", r.log)
			if again := r.finish(j, tt.err); again {
				t.Error("handled again after the shutdown started")
			}
			all := logs.All()
			if len(all) != 1 || all[0].Level != tt.wantLevel || all[0].Message != tt.wantMsg || all[0].ContextMap()["inject_id"] != "i-held" {
				t.Errorf("logged %v, want one %v line %q naming i-held", all, tt.wantLevel, tt.wantMsg)
			}
		})
	}
}
