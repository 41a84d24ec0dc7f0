package servetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Queues and messages of a node of a test's own.

// withChannel runs f on a channel of a fresh connection to the node.
func (n *Node) withChannel(t testing.TB, f func(ch *amqp.Channel)) {
	t.Helper()
	conn, err := amqp.Dial(n.URL())
	if err != nil {
		t.Fatalf("dial node %s: %v", n.Name, err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("open channel on node %s: %v", n.Name, err)
	}
	f(ch)
}

// Queue declares a durable queue with a fresh name on the node.
func (n *Node) Queue(t testing.TB) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "injectkit_test_" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "_" + hex.EncodeToString(b[:])
	n.withChannel(t, func(ch *amqp.Channel) {
		if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
			t.Fatalf("declare queue %s: %v", name, err)
		}
	})
	return name
}

// Publish sends each body to queue, persistent, and waits until the node
// confirmed them all.
func (n *Node) Publish(t testing.TB, queue string, bodies ...[]byte) {
	t.Helper()
	n.withChannel(t, func(ch *amqp.Channel) {
		if err := ch.Confirm(false); err != nil {
			t.Fatalf("confirm mode: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		confirms := make([]*amqp.DeferredConfirmation, 0, len(bodies))
		for i, b := range bodies {
			c, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp.Publishing{
				ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: b})
			if err != nil {
				t.Fatalf("publish message %d: %v", i, err)
			}
			confirms = append(confirms, c)
		}
		for i, c := range confirms {
			if ok, err := c.WaitContext(ctx); err != nil || !ok {
				t.Fatalf("message %d not confirmed: %v", i, err)
			}
		}
	})
}

// Counts returns the messages ready in queue and its consumers; the error
// is the node's when it refuses clients (between StopApp and StartApp).
func (n *Node) Counts(queue string) (ready, consumers int, err error) {
	conn, err := amqp.DialConfig(n.URL(), amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return 0, 0, err
	}
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	if err != nil {
		return 0, 0, err
	}
	return q.Messages, q.Consumers, nil
}
