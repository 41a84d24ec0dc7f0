package serve

import "context"

// Delivery is one message as the broker delivered it.
type Delivery struct {
	Body []byte
	// Redelivered is the broker's redelivered flag: the message was
	// delivered before, to this consumer or another, and not
	// acknowledged. It may have been handled already (a consumer that
	// died between the platform's answer and its acknowledgement). It is
	// set too when the daemon hands the message again after its handling
	// failed transiently, or after a pause (Retries, Pauses). Unset, it
	// proves nothing: AMQP 0-9-1 says a
	// client must not rely on it, and RabbitMQ 3.10 leaves it unset on
	// the messages of a closed channel once the node restarted with a
	// transient message queued (see AckLostNoter).
	Redelivered bool
	// BrokerRedelivered is the broker's flag alone, as it delivered the
	// message: a message the daemon hands again after a pause (Pauses)
	// was handled before by another consumer only when it is set (or
	// when the Handler knows its inject), whatever Redelivered says.
	BrokerRedelivered bool
	// Retries counts the handlings of the message by its worker before
	// this one that failed (transiently, or the token refused): 0 on the
	// first handling of a delivery. A broker redelivery has Redelivered
	// set and Retries 0 until its own handling fails.
	Retries int
	// Pauses counts the handlings of the message by its worker before
	// this one that a PauseError ended, nothing of it run (its outbox
	// full, say): no failure, so not in Retries.
	Pauses int
	// Returned, on a redelivered message, says that this daemon returned
	// it to the queue unhandled (prefetched when it paused, replaced its
	// consumer by one that takes more, or left the queue for a changed
	// registration: see stopConsuming) after a first
	// delivery: no Handler has seen it, it is received for the first time.
	Returned bool
	// Lost, when set, reports whether the channel the message came on has
	// closed since it was delivered: its acknowledgement can no longer
	// land, and the broker delivers it again, to this consumer or another,
	// which may run it too.
	Lost func() bool
	// Gone, when set, is closed once the channel the message came on has
	// closed (Lost then reports true): a Handler that only waits (for a
	// run of the same inject in flight in this process) gives the
	// message up then, returning an error, rather than hold its worker
	// for a copy the broker has taken back. The broker delivers the
	// message again; held, each copy a consumer_timeout delivers again
	// would hold one more worker, until none took messages.
	Gone <-chan struct{}
	// Decoded is what the Handler's MessageKey decoded the body into
	// (see KeyNamer), on the message's first handling by its worker; nil
	// on a handling again, or when MessageKey decoded nothing.
	Decoded any
}

// DeliveryHandler is a Handler told how each message was delivered: when
// the daemon's Handler implements it, the daemon calls HandleDelivery
// instead of Handle, with the same contract.
type DeliveryHandler interface {
	Handler
	HandleDelivery(ctx context.Context, d Delivery) error
}

// AckLostNoter is a Handler told of a message whose acknowledgement was
// lost with its channel, by its key (see KeyNamer): the broker delivers it
// again, and may leave its redelivered flag unset (AMQP 0-9-1: a client
// must not rely on it), so the Handler remembers the key to recognise the
// copy. The daemon calls it after the handling returned; it must not
// block.
type AckLostNoter interface {
	Handler
	NoteAckLost(key string)
}

// AckLostTeller is an AckLostNoter that says what becomes of the copy of
// a message whose acknowledgement was lost (run again, or acknowledged
// without a run, and by what it is recognised): the daemon's WARN of the
// lost acknowledgement ends with it.
type AckLostTeller interface {
	AckLostNoter
	AckLostCopy() string
}

// KeyNamer is a Handler that names what a message is about: its key (an
// inject id), "" when the body does not say. The daemon asks it once per
// message handed to a worker, before Handle, and every line it logs about
// the message carries the key as the field inject_id. It never fails and
// sends nothing; a message larger than MaxMessageSize is named by an
// OversizeHandler instead. What it decoded the body into to find the key
// (nil: nothing worth keeping) is handed back to a DeliveryHandler in
// Delivery.Decoded, so that the message is decoded once.
type KeyNamer interface {
	Handler
	MessageKey(body []byte) (key string, decoded any)
}

// OversizeHead is how much of a message larger than MaxMessageSize an
// OversizeHandler is shown: its first bytes.
const OversizeHead = 64 << 10

// OversizeHandler is a Handler told of the messages the daemon rejects
// for their size (larger than MaxMessageSize) without handing them to
// Handle: it is shown the message as delivered with only the first
// OversizeHead bytes of its body (head.Body), never decodes the whole,
// and returns what the message is about (its inject id, "" when the head
// does not say) for the log. It may report the refusal to its platform
// and count it (head.Redelivered and head.Returned say whether it was
// seen before, as for HandleDelivery). The message is rejected without
// requeue whatever it does.
type OversizeHandler interface {
	Handler
	HandleOversize(ctx context.Context, head Delivery, size, limit int64) (key string)
}

// oversize shows the head of a message too large to handle to an
// OversizeHandler and returns what it names ("" when nothing does).
func (r *runner) oversize(j *job) string {
	oh, ok := r.d.Handler.(OversizeHandler)
	if !ok {
		return ""
	}
	return r.askKey("handler panic on an oversized message", func() string {
		body := j.dl.Body
		head := Delivery{Body: body[:min(len(body), OversizeHead)], Redelivered: j.redelivered(), Returned: j.returned,
			Lost: j.sess.ch.IsClosed}
		return oh.HandleOversize(withDelivery(r.base, j.delivery()), head, int64(len(body)), r.maxMessageSize)
	})
}

// messageKey names a message by its KeyNamer Handler, "" without one
// (or when it panics), with what the Handler decoded it into.
func (r *runner) messageKey(body []byte) (key string, decoded any) {
	kn, ok := r.d.Handler.(KeyNamer)
	if !ok {
		return "", nil
	}
	key = r.askKey("handler panic naming a message", func() (k string) { k, decoded = kn.MessageKey(body); return k })
	return key, decoded
}

// askKey returns the key ask gets from the Handler, "" when it panics:
// the panic is logged as msg, and the message is handled (or rejected)
// unnamed.
func (r *runner) askKey(msg string, ask func() string) (key string) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error(msg, panicFields(v)...)
			key = ""
		}
	}()
	return ask()
}
