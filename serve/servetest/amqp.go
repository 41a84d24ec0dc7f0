package servetest

import (
	"cmp"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// The AMQP work done alike on the shared broker (Queue, Publish, Counts)
// and on a node of a test's own (Node.Queue, Node.Publish, Node.Counts),
// given the broker's URL and, for failures, a name for it.

// guestURL is the broker at Addr with the guest account.
const guestURL = "amqp://guest:guest@" + Addr + "/"

// withChannelAt runs f on a channel of a fresh connection to the broker at
// url, closed after.
func withChannelAt(t testing.TB, url, what string, f func(ch *amqp.Channel)) {
	t.Helper()
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatalf("dial %s: %v", what, err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatalf("open channel on %s: %v", what, err)
	}
	f(ch)
}

// queueExpiry is how long a test's queue stays on the broker unused (no
// consumer, no declaration, no get) before the broker deletes it
// (x-expires): longer than any test leaves its queue so (make test's whole
// run may take 30 minutes), and the end of a queue whose test was killed
// before its cleanup (go test -timeout). Left, it stayed for ever on the
// shared broker with its persistent messages.
const queueExpiry = 30 * time.Minute

// expiring is args (nil: none) with x-expires set to queueExpiry.
func expiring(args amqp.Table) amqp.Table {
	out := amqp.Table{"x-expires": queueExpiry.Milliseconds()}
	for k, v := range args {
		out[k] = v
	}
	return out
}

// declareQueue declares a durable queue at url with a fresh name, made of
// the test's after $SERVETEST_QUEUE_PREFIX (default injectkit_test_: tests
// run side by side on one broker may each name theirs), and the arguments
// args (nil: none) with x-expires (queueExpiry), and returns the name.
func declareQueue(t testing.TB, url, what string, args amqp.Table) string {
	t.Helper()
	name := cmp.Or(os.Getenv("SERVETEST_QUEUE_PREFIX"), "injectkit_test_") + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + "_" + randomHex(6)
	if len(name) > 200 {
		name = name[len(name)-200:]
	}
	withChannelAt(t, url, what, func(ch *amqp.Channel) {
		if _, err := ch.QueueDeclare(name, true, false, false, false, expiring(args)); err != nil {
			t.Fatalf("declare queue %s: %v", name, err)
		}
	})
	return name
}

// publishAt sends each body to queue at url, persistent, and waits until
// the broker confirmed them all.
func publishAt(t testing.TB, url, what, queue string, bodies ...[]byte) {
	t.Helper()
	withChannelAt(t, url, what, func(ch *amqp.Channel) {
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

// countsAt returns the messages ready in queue at url and its consumers.
func countsAt(url, queue string) (ready, consumers int, err error) {
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
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
