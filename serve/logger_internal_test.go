package serve

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/injectkit/injectkit/internal/testkit"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestJobLoggerBuiltForItsFirstLine checks that a message's logger (its
// delivery, its key) is built only when a line is logged about it: a
// message acknowledged without a line builds none, and a line logged
// carries the delivery.
func TestJobLoggerBuiltForItsFirstLine(t *testing.T) {
	tests := []struct {
		name      string
		err       error // the handler's
		wantLines int
		wantWith  int32
	}{
		{"acknowledged", nil, 0, 0},
		{"rejected", Permanent(errors.New("bad message")), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				core, logs := observer.New(zapcore.InfoLevel)
				var n atomic.Int32
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Log: zap.New(testkit.ScopeCounting{Core: core, N: &n}),
					Handler: HandlerFunc(func(context.Context, []byte) error { return tt.err })})
				r.ctx, r.base = t.Context(), t.Context()
				s := &session{ch: &amqp.Channel{}}
				r.slots <- struct{}{}
				r.start(s, amqp.Delivery{Acknowledger: &acks{}, DeliveryTag: 7, Body: []byte(`{}`)})
				close(r.stopping)
				s.wg.Wait()
				synctest.Wait()
				if got := n.Load(); got != tt.wantWith {
					t.Errorf("%d loggers built, want %d", got, tt.wantWith)
				}
				if logs.Len() != tt.wantLines {
					t.Fatalf("%d lines, want %d: %v", logs.Len(), tt.wantLines, logs.All())
				}
				for _, e := range logs.All() {
					if e.ContextMap()["delivery_tag"] != uint64(7) {
						t.Errorf("line %q: delivery_tag %v, want 7", e.Message, e.ContextMap()["delivery_tag"])
					}
				}
			})
		})
	}
}

// acks settles every message as asked.
type acks struct{}

func (*acks) Ack(uint64, bool) error        { return nil }
func (*acks) Nack(uint64, bool, bool) error { return nil }
func (*acks) Reject(uint64, bool) error     { return nil }

// TestDeliveryFieldOfTheHandledMessage checks that the context a Handler
// is handed gives the delivery of its message (DeliveryField): its
// channel's number and its delivery_tag; and any other context none.
func TestDeliveryFieldOfTheHandledMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got zap.Field
		r := newRunner(&Daemon{Registrar: okRegistrar{}, Log: zap.NewNop(),
			Handler: HandlerFunc(func(ctx context.Context, _ []byte) error { got = DeliveryField(ctx); return nil })})
		r.ctx, r.base = t.Context(), t.Context()
		s := &session{ch: &amqp.Channel{}, channel: 3}
		r.slots <- struct{}{}
		r.start(s, amqp.Delivery{Acknowledger: &acks{}, DeliveryTag: 7, Body: []byte(`{}`)})
		close(r.stopping)
		s.wg.Wait()
		synctest.Wait()
		enc := zapcore.NewMapObjectEncoder()
		got.AddTo(enc)
		if enc.Fields["channel"] != uint64(3) || enc.Fields["delivery_tag"] != uint64(7) || len(enc.Fields) != 2 {
			t.Errorf("DeliveryField of the handler's context gives %v, want channel 3, delivery_tag 7", enc.Fields)
		}
		if f := DeliveryField(t.Context()); f.Type != zapcore.SkipType {
			t.Errorf("DeliveryField of another context = %v, want none", f)
		}
	})
}
