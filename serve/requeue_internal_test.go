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

// TestRequeueDelayGrowsPerMessage checks that a message whose handling
// keeps failing (its reception refused with a 500, say) waits longer
// before each requeue, doubling up to MaxRequeueDelay, the attempt
// logged; that it is never dropped; that another message starts from
// RequeueDelay; and that one handled starts again from it.
func TestRequeueDelayGrowsPerMessage(t *testing.T) {
	type step struct {
		body    string
		err     error
		attempt int           // of the requeue logged, 0 for none
		delay   time.Duration // before the message was settled
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
					r.finish(&job{dl: amqp.Delivery{Acknowledger: ack, Body: []byte(s.body)}}, s.err)
					if got := time.Since(start); got != s.delay {
						t.Errorf("step %d (%s): settled after %s, want %s", i, s.body, got, s.delay)
					}
					var requeues []observer.LoggedEntry
					for _, e := range logs.TakeAll() {
						if e.Message == "handling failed; requeueing the message" {
							requeues = append(requeues, e)
						}
					}
					switch {
					case s.attempt == 0 && len(requeues) != 0:
						t.Errorf("step %d (%s): logged a requeue", i, s.body)
					case s.attempt == 0:
					case len(requeues) != 1 || ack.n != 1:
						t.Errorf("step %d (%s): %d requeues logged, %d done; want 1", i, s.body, len(requeues), ack.n)
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
