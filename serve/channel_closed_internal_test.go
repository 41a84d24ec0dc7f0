package serve

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	amqp "github.com/rabbitmq/amqp091-go"
	"go.uber.org/zap"
)

// A message handled while its channel closed (rabbitmqctl close_connection,
// a broker restart) could not be settled: its acknowledgement or rejection
// was lost with the channel, and the broker delivers it again, counted
// then as a redelivery. It is counted as channel_closed, so that each
// message a daemon began to handle (injectkit_injects_received_total plus
// injectkit_redeliveries_total) is counted once in an outcome: before,
// every ack lost with its channel vanished from injectkit_messages_total,
// and an operator summing the daemons' counters after a broker
// maintenance found messages gone unaccounted for.
func TestMessageWhoseChannelClosedIsCounted(t *testing.T) {
	tests := []struct {
		name string
		ack  amqp.Acknowledger
		err  error
		want map[string]float64
	}{
		{"ack lost", closedAck{}, nil, map[string]float64{"channel_closed": 1}},
		{"rejection lost", closedAck{}, Permanent(errors.New("refused")), map[string]float64{"channel_closed": 1}},
		{"ack landed", okAck{}, nil, map[string]float64{OutcomeAcked: 1}},
		{"rejection landed", okAck{}, Permanent(errors.New("refused")), map[string]float64{OutcomeRejected: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: &noter{}, Log: zap.NewNop(), Metrics: NewMetrics(reg)})
			j := &job{dl: amqp.Delivery{Acknowledger: tt.ack, Body: []byte(`{}`)}}
			j.named("i-1", zap.NewNop())
			r.finish(j, tt.err)
			var sum float64
			for _, o := range []string{OutcomeAcked, OutcomeRejected, OutcomeRequeued, "channel_closed"} {
				got := outcomeCount(t, reg, o)
				sum += got
				if got != tt.want[o] {
					t.Errorf("injectkit_messages_total{outcome=%q} = %v, want %v", o, got, tt.want[o])
				}
			}
			if sum != 1 {
				t.Errorf("the message is counted %v times, want once", sum)
			}
		})
	}
}

// A message kept to be handled again after a transient failure whose
// channel closes meanwhile is back with the broker: counted as
// channel_closed once, not handled again here.
func TestMessageWaitingWhoseChannelClosedIsCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := newRunner(&Daemon{Registrar: okRegistrar{}, Handler: &noter{}, Log: zap.NewNop(), Metrics: NewMetrics(reg)})
	closed := make(chan *amqp.Error)
	close(closed)
	j := &job{dl: amqp.Delivery{Acknowledger: closedAck{}, Body: []byte(`{}`)}, sess: &session{chClosed: closed}}
	j.named("i-1", zap.NewNop())
	if again := r.finish(j, errors.New("platform unreachable")); again {
		t.Fatal("a message whose channel closed is handled again here")
	}
	if got := outcomeCount(t, reg, "channel_closed"); got != 1 {
		t.Errorf("injectkit_messages_total{outcome=channel_closed} = %v, want 1", got)
	}
}
