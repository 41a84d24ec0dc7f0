package serve

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestRefusalSaysWhatBecameOfTheMessage: a message refused for good
// (Permanent) is rejected without requeue, and the WARN says so only
// when the rejection landed. Before, a rejection lost with its channel
// (the broker closed the connection while the platform was answering
// the inject's INVALID_USAGE) was logged "message rejected without
// requeue" all the same, though the broker took the message back and
// delivered it again: an operator looked for it in the dead-letter
// queue. So was a refusal met after the shutdown requeued the message.
func TestRefusalSaysWhatBecameOfTheMessage(t *testing.T) {
	tests := []struct {
		name         string
		ack          amqp.Acknowledger
		before       func(j *job) // settles the message first, as the shutdown does
		want         string
		wantRejected float64
	}{
		{name: "rejection landed", ack: okAck{}, want: "message rejected without requeue", wantRejected: 1},
		{name: "rejection lost with the channel", ack: closedAck{},
			want: "rejection lost with the channel: the broker delivers the message again"},
		{name: "requeued by the shutdown first", ack: okAck{},
			before: func(j *job) { j.settleAs(OutcomeRequeued, func() error { return nil }) },
			want:   "refused after the shutdown returned the message to the queue: not rejected"},
		{name: "acknowledged by the shutdown first, its result kept", ack: okAck{},
			before: func(j *job) { j.settleAs(OutcomeAcked, func() error { return nil }) },
			want:   "refused after the shutdown acknowledged the message, its result kept: not rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			reg := prometheus.NewRegistry()
			m := NewMetrics(reg)
			h := &noter{}
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: h, Log: zap.New(core), Metrics: m})
			j := &job{dl: amqp.Delivery{Acknowledger: tt.ack, Body: []byte(`{}`)}}
			j.named("i-1", zap.New(core))
			if tt.before != nil {
				tt.before(j)
			}
			r.finish(j, PermanentFor(errors.New("invalid inject_content.targets"), "noop"))
			lines := logs.All()
			if len(lines) != 1 || lines[0].Message[:min(len(tt.want), len(lines[0].Message))] != tt.want {
				t.Fatalf("logged %v; want one WARN starting %q", lines, tt.want)
			}
			if f := lines[0].ContextMap(); f["reason"] != "invalid inject_content.targets" || f["inject_id"] != "i-1" || f["injector"] != "noop" {
				t.Errorf("the WARN's fields %v do not name the inject, its injector and the reason", f)
			}
			if got := outcomeCount(t, reg, OutcomeRejected); got != tt.wantRejected {
				t.Errorf("injectkit_messages_total{outcome=rejected} = %v, want %v", got, tt.wantRejected)
			}
		})
	}
}

// outcomeCount reads injectkit_messages_total{outcome} from reg.
func outcomeCount(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "injectkit_messages_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "outcome" && lp.GetValue() == outcome {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
