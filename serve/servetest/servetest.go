// Package servetest gives tests a real RabbitMQ broker on loopback: it
// finds the one listening on 127.0.0.1:5672 or starts the installed
// rabbitmq-server, declares a fresh durable queue per test and deletes it
// afterwards (the broker deletes one whose test died before its cleanup
// once it has been unused for 30 minutes: x-expires), and publishes and
// counts messages.
package servetest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
)

// Addr is where the test broker listens; guest/guest may log in on loopback
// only, which is all the tests need.
const Addr = "127.0.0.1:5672"

// StartTimeout bounds how long Broker waits for a rabbitmq-server it started.
const StartTimeout = 60 * time.Second

var (
	once     sync.Once
	startErr error
)

// Guest is the broker at Addr with the guest account.
func Guest() serve.Broker {
	return serve.Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "guest", Pass: "guest"}
}

// Broker returns the loopback broker, starting rabbitmq-server (as root)
// when nothing listens on Addr. The test is skipped, with the reason, when
// no broker can be had.
func Broker(t testing.TB) serve.Broker {
	t.Helper()
	once.Do(func() { startErr = ensure() })
	if startErr != nil {
		t.Skipf("no RabbitMQ broker on %s: %v", Addr, startErr)
	}
	return Guest()
}

func ready() error {
	conn, err := amqp.Dial(guestURL)
	if err != nil {
		return err
	}
	return conn.Close()
}

func ensure() error {
	if ready() == nil {
		return nil
	}
	var launchErr error
	if c, err := net.DialTimeout("tcp", Addr, time.Second); err == nil {
		// Something listens but refused us: maybe still booting.
		c.Close()
	} else {
		bin, lerr := exec.LookPath("rabbitmq-server")
		if lerr != nil {
			if _, serr := os.Stat("/usr/sbin/rabbitmq-server"); serr != nil {
				return errors.New("rabbitmq-server is not installed (apt-get install rabbitmq-server, or run .ci/run)")
			}
			bin = "/usr/sbin/rabbitmq-server"
		}
		if os.Geteuid() != 0 {
			return errors.New("rabbitmq-server is not running and starting it needs root")
		}
		// A failure may mean another process is starting it: wait anyway.
		if out, err := exec.Command(bin, "-detached").CombinedOutput(); err != nil {
			launchErr = fmt.Errorf("rabbitmq-server -detached: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	deadline := time.Now().Add(StartTimeout)
	var err error
	for time.Now().Before(deadline) {
		if err = ready(); err == nil {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	if launchErr != nil {
		return launchErr
	}
	return fmt.Errorf("not ready after %s: %w", StartTimeout, err)
}

// withChannel runs f on a channel of a fresh connection, closed after.
func withChannel(t testing.TB, f func(ch *amqp.Channel)) {
	t.Helper()
	Broker(t)
	withChannelAt(t, guestURL, "broker", f)
}

// Queue declares a durable queue with a fresh name, like a platform's
// injector queue, and deletes it when the test ends.
func Queue(t testing.TB) string {
	t.Helper()
	return QueueWith(t, nil)
}

// QueueWith is Queue with the queue arguments args, as a platform may
// declare them: QueueWith(t, amqp.Table{"x-queue-type": "quorum",
// "x-delivery-limit": 2}) is a quorum queue that drops a message
// delivered more than twice again.
func QueueWith(t testing.TB, args amqp.Table) string {
	t.Helper()
	Broker(t)
	name := declareQueue(t, guestURL, "broker", args)
	t.Cleanup(func() {
		// A dial or a channel that failed once (a broker busy with the
		// other packages' tests) left the queue on the broker, unsaid:
		// the delete is tried again, and a queue left is a failure.
		var err error
		if !testkit.Within(StartTimeout, func() bool { err = deleteQueueAt(guestURL, name); return err == nil }) {
			t.Errorf("queue %s left on the broker: %v", name, err)
		}
	})
	return name
}

// deleteQueueAt deletes queue, with its messages, at url.
func deleteQueueAt(url, queue string) error {
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	_, err = ch.QueueDelete(queue, false, false, false)
	return err
}

// DeleteQueue deletes queue, with its messages, as an operator or a
// platform may while a daemon consumes it.
func DeleteQueue(t testing.TB, queue string) {
	t.Helper()
	withChannel(t, func(ch *amqp.Channel) {
		if _, err := ch.QueueDelete(queue, false, false, false); err != nil {
			t.Fatalf("delete queue %s: %v", queue, err)
		}
	})
}

// DeclareQueue declares the durable queue named queue (again), as a
// platform does when it registers its injector, with x-expires as Queue's.
func DeclareQueue(t testing.TB, queue string) {
	t.Helper()
	withChannel(t, func(ch *amqp.Channel) {
		if _, err := ch.QueueDeclare(queue, true, false, false, false, expiring(nil)); err != nil {
			t.Fatalf("declare queue %s: %v", queue, err)
		}
	})
}

// Publish sends each body to queue, persistent, and waits until the
// broker confirmed them all.
func Publish(t testing.TB, queue string, bodies ...[]byte) {
	t.Helper()
	Broker(t)
	publishAt(t, guestURL, "broker", queue, bodies...)
}

// Counts returns the messages ready in queue and its consumers.
func Counts(t testing.TB, queue string) (ready, consumers int) {
	t.Helper()
	Broker(t)
	ready, consumers, err := countsAt(guestURL, queue)
	if err != nil {
		t.Fatalf("inspect queue %s: %v", queue, err)
	}
	return ready, consumers
}

// Redeliver takes the next message of queue without acknowledging it, then
// closes its connection: the broker returns the message to the queue with
// its redelivered flag set, as when a consumer dies between its work and
// its acknowledgement. The test fails when the queue is empty.
func Redeliver(t testing.TB, queue string) {
	t.Helper()
	withChannel(t, func(ch *amqp.Channel) {
		if _, ok, err := ch.Get(queue, false); err != nil || !ok {
			t.Fatalf("get a message from %s: ok %v, %v", queue, ok, err)
		}
	})
}

// randomHex returns n random bytes in hexadecimal.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Take takes every message ready in queue and acknowledges it, as another
// consumer that ran them would, and returns their bodies.
func Take(t testing.TB, queue string) [][]byte {
	t.Helper()
	var bodies [][]byte
	withChannel(t, func(ch *amqp.Channel) {
		for {
			m, ok, err := ch.Get(queue, false)
			if err != nil {
				t.Fatalf("get a message from %s: %v", queue, err)
			}
			if !ok {
				return
			}
			if err := m.Ack(false); err != nil {
				t.Fatalf("acknowledge a message of %s: %v", queue, err)
			}
			bodies = append(bodies, m.Body)
		}
	})
	return bodies
}
