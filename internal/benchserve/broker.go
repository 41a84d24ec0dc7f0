package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/cmdkit"
)

// broker is a connection to the benchmark's RabbitMQ broker and one fresh
// durable queue on it.
type broker struct {
	conn  *amqp.Connection
	ch    *amqp.Channel
	queue string
	host  string
	port  int
	user  string
	pass  string
	vhost string
}

// defaultQueuePrefix begins the name of each run's queue unless
// -queue-prefix gives another.
const defaultQueuePrefix = "injectkit_bench_serve_"

// checkQueuePrefix says why prefix cannot begin a queue's name: RabbitMQ
// reserves "amq." and takes names of at most 255 bytes (the prefix is
// followed by 12 hex digits).
func checkQueuePrefix(prefix string) error {
	switch {
	case strings.HasPrefix(prefix, "amq."):
		return fmt.Errorf("-queue-prefix %q: RabbitMQ reserves the names beginning with amq.", prefix)
	case len(prefix) > 255-12:
		return fmt.Errorf("-queue-prefix of %d bytes: at most %d (a queue's name takes 255, 12 of them the run's own)", len(prefix), 255-12)
	}
	return nil
}

// startHint is what to do when dialling the broker failed with err: start
// RabbitMQ, when nothing listens.
func startHint(err error) string {
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return ""
	}
	return " (is RabbitMQ running? start it as root with `service rabbitmq-server start`, or `bash .ci/run`, which installs and starts it)"
}

// openBroker dials rawURL (loopback only) and declares a durable queue
// whose name is prefix and a fresh suffix.
func openBroker(rawURL, prefix string) (*broker, error) {
	uri, err := amqp.ParseURI(rawURL)
	if err != nil {
		return nil, fmt.Errorf("broker url: %w", cmdkit.MaskURLError(rawURL, err))
	}
	if err := cmdkit.CheckLoopback(net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))); err != nil {
		return nil, fmt.Errorf("broker: loopback only: %w", err)
	}
	b := &broker{host: uri.Host, port: uri.Port, user: uri.Username, pass: uri.Password, vhost: uri.Vhost}
	if b.conn, err = amqp.Dial(rawURL); err != nil {
		return nil, fmt.Errorf("dial broker %s://%s/: %w%s", uri.Scheme, net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port)), err, startHint(err))
	}
	if b.ch, err = b.conn.Channel(); err != nil {
		b.conn.Close()
		return nil, fmt.Errorf("open channel: %w", err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	b.queue = prefix + hex.EncodeToString(r[:])
	if _, err := b.ch.QueueDeclare(b.queue, true, false, false, false, nil); err != nil {
		b.conn.Close()
		return nil, fmt.Errorf("declare queue %s: %w", b.queue, err)
	}
	if err := b.ch.Confirm(false); err != nil {
		b.conn.Close()
		return nil, fmt.Errorf("confirm mode: %w", err)
	}
	return b, nil
}

// close deletes the queue and closes the connection.
func (b *broker) close() {
	if ch, err := b.conn.Channel(); err == nil {
		_, _ = ch.QueueDelete(b.queue, false, false, false)
	}
	_ = b.conn.Close()
}

// counts returns the messages ready in the queue and its consumers.
func (b *broker) counts() (ready, consumers int, err error) {
	ch, err := b.conn.Channel()
	if err != nil {
		return 0, 0, err
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(b.queue, true, false, false, false, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("inspect queue %s: %w", b.queue, err)
	}
	return q.Messages, q.Consumers, nil
}

// waitConsumer polls until the queue has a consumer, alive says the
// daemon still runs, or ctx ends.
func (b *broker) waitConsumer(ctx context.Context, alive func() error) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		_, consumers, err := b.counts()
		if err != nil {
			return err
		}
		if consumers > 0 {
			return nil
		}
		if err := alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the daemon to consume %s: %w", b.queue, ctx.Err())
		case <-tick.C:
		}
	}
}

// publish sends each body to the queue, persistent, then waits for every
// confirmation.
func (b *broker) publish(ctx context.Context, bodies [][]byte) error {
	confirms := make([]*amqp.DeferredConfirmation, 0, len(bodies))
	for i, body := range bodies {
		c, err := b.ch.PublishWithDeferredConfirmWithContext(ctx, "", b.queue, true, false, amqp.Publishing{
			ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body})
		if err != nil {
			return fmt.Errorf("publish message %d: %w", i, err)
		}
		confirms = append(confirms, c)
	}
	for i, c := range confirms {
		if ok, err := c.WaitContext(ctx); err != nil || !ok {
			return fmt.Errorf("message %d not confirmed (ack %v): %w", i, ok, err)
		}
	}
	return nil
}
