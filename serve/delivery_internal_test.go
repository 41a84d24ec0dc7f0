package serve

import (
	"context"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// naming is a Handler that names messages, as a KeyNamer and as an
// OversizeHandler, by key, or panics when key is "".
type naming struct{ key string }

func (naming) Handle(context.Context, []byte) error { return nil }

func (h naming) MessageKey([]byte) (string, any) { return h.name(), nil }

func (h naming) HandleOversize(context.Context, Delivery, int64, int64) string { return h.name() }

func (h naming) name() string {
	if h.key == "" {
		panic("naming bug")
	}
	return h.key
}

// TestHandlerNamingPanicLogged checks that a Handler naming a message (a
// KeyNamer, an OversizeHandler) gives its key, and that one that panics
// leaves the message unnamed with one ERROR line saying so, the daemon
// still running.
func TestHandlerNamingPanicLogged(t *testing.T) {
	j := &job{dl: amqp.Delivery{Body: []byte(`{"injection":{"inject_id":"i-1"}}`)}, sess: &session{ch: &amqp.Channel{}}}
	tests := []struct {
		name string
		ask  func(r *runner) string
		msg  string
	}{
		{"message key", func(r *runner) string { k, _ := r.messageKey(j.dl.Body); return k }, "handler panic naming a message"},
		{"oversized message", func(r *runner) string { return r.oversize(j) }, "handler panic on an oversized message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, key := range []string{"i-1", ""} {
				core, logs := observer.New(zapcore.ErrorLevel)
				r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: naming{key: key}, Log: zap.New(core)})
				r.base = t.Context() // Run's
				if got := tt.ask(r); got != key {
					t.Errorf("key %q, want %q", got, key)
				}
				want := 0
				if key == "" {
					want = 1
				}
				if n := logs.FilterMessage(tt.msg).FilterField(zap.Any("panic", "naming bug")).Len(); n != want {
					t.Errorf("key %q: %d %q lines: %v", key, n, tt.msg, logs.All())
				}
			}
		})
	}
}
