package servetest

import (
	"errors"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Every queue a test declares carries x-expires (queueExpiry), so that one
// whose cleanup never ran (a go test -timeout) leaves the shared broker
// once unused: declared again with the same arguments it is the same
// queue, without x-expires the broker refuses it as another
// (406 PRECONDITION_FAILED, inequivalent arg 'x-expires').
func TestQueuesExpireOnceUnused(t *testing.T) {
	quorum := amqp.Table{"x-queue-type": "quorum"}
	tests := []struct {
		name    string
		args    amqp.Table // what the test asked for
		declare func(t *testing.T) string
	}{
		{"Queue", nil, func(t *testing.T) string { return Queue(t) }},
		{"QueueWith quorum", quorum, func(t *testing.T) string { return QueueWith(t, quorum) }},
		{"DeclareQueue again", nil, func(t *testing.T) string {
			q := Queue(t)
			DeleteQueue(t, q)
			DeclareQueue(t, q)
			return q
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.declare(t)
			redeclare := func(args amqp.Table) error {
				var err error
				withChannelAt(t, guestURL, "broker", func(ch *amqp.Channel) {
					_, err = ch.QueueDeclare(q, true, false, false, false, args)
				})
				return err
			}
			if err := redeclare(expiring(tt.args)); err != nil {
				t.Errorf("declared again with x-expires %v: %v", queueExpiry, err)
			}
			var amqpErr *amqp.Error
			if err := redeclare(tt.args); !errors.As(err, &amqpErr) || amqpErr.Code != amqp.PreconditionFailed {
				t.Errorf("declared again without x-expires: %v, want 406 PRECONDITION_FAILED: the queue has no x-expires", err)
			}
		})
	}
}
