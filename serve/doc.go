// Package serve owns the long-running injector daemon: it registers with a
// platform and repeats the registration as a heartbeat, consumes the queue
// the registration names from a RabbitMQ broker with a bounded pool of
// workers, acknowledges a message only once its Handler reports that the
// terminal result was delivered or stored (see Stored), reconnects with
// backoff when the broker is lost, shuts down gracefully, and serves
// /healthz and Prometheus /metrics.
//
// The package knows nothing of a platform's wire format: a Registrar says
// where to consume and a Handler processes one message body. The daemon
// reacts to what Handle returns:
//
//   - nil: the terminal result was delivered; the message is acknowledged.
//   - an error marked permanent (IsPermanent; see Permanent and
//     PermanentFor): the message can never succeed (not JSON, no inject
//     id); it is rejected without requeue and the reason logged, in one
//     WARN line (the Handler logs nothing of it), which says instead when
//     the rejection was lost with its channel (the broker delivers the
//     message again) or the shutdown settled the message first.
//   - an *UnauthorizedError (see Unauthorized): the platform refused the
//     daemon's token. The message is acknowledged when the result is kept
//     for a resend (Durable) or its inject ran (Ran: never run again).
//     Otherwise its worker keeps it unacknowledged (never returned to the
//     broker: see below) and hands it to the Handler again after
//     RequeueDelay, once the consumption is not paused, and it is
//     rejected once its own requests were refused
//     AuthFailures times and a registration was accepted since the first
//     refusal (the daemon registers at once to check the token when no
//     heartbeat did): the token works, only that inject is refused.
//     /healthz turns unhealthy with ReasonUnauthorized (or the refusal's
//     own reason, a RefusalReasoner's: a tenant refused) until a message is
//     handled without one, and after AuthFailures distinct messages
//     refused in a row (a message refused again counts once) the daemon
//     stops consuming until a registration, the next heartbeat, succeeds.
//   - a *PauseError: the Handler cannot take messages for now and did not
//     run this one (its outbox is full). The daemon stops consuming,
//     /healthz unhealthy with the error's Reason, until the error's Wait
//     returns; the message's worker keeps it unacknowledged and hands it
//     to the Handler again (Delivery.Redelivered set) once every pause
//     has ended.
//   - any other error: the result was not delivered (the platform is
//     unreachable, say). The message is not returned to the broker, whose
//     queue may drop it after a delivery limit (a quorum queue's
//     x-delivery-limit): its worker keeps it unacknowledged and hands it
//     to the Handler again (Delivery.Redelivered set) after RequeueDelay,
//     until it is settled otherwise. The delay doubles with each failure
//     of the same message (by its body's digest, kept in memory for the
//     last 4096 messages), up to MaxRequeueDelay: a message the platform
//     fails for ever is kept, and retried once a minute, holding its
//     worker. A shutdown returns it to the queue at once (a handling
//     that fails once the shutdown started is not kept: one WARN line,
//     "shutting down: the message is returned to the queue, not handled
//     again here", with the error); a channel closed meanwhile has
//     returned it already (the broker delivers it again).
//   - a *DroppedError: the shutdown made the Handler drop the result of
//     an inject that ran, held in memory; the message is returned to the
//     queue, where the inject runs again, and one ERROR line says so
//     (the Handler logs nothing of it). A message kept for a refused token or a pause is handled the
//     same way: a token refused for an hour, or an outbox full again and
//     again, never uses up a delivery limit.
//
// A Handler that is a KeyNamer names each message (its inject id) when it
// arrives: every line the daemon logs about the message carries the name
// as the field inject_id, and the shutdown's requeue lists them. Each of
// those lines carries the message's delivery too, as two fields: channel,
// the number of the broker channel it came on, counted from 1 since the
// daemon started (each connection opens a new one), and delivery_tag, the
// broker's number of the delivery on that channel, which restarts at 1 on
// each; the context a Handler is handed gives them (DeliveryField), for
// the lines the Handler logs about the message: two copies of one inject
// in flight have one inject_id and two deliveries (a copy delivered again
// after a connection's loss comes on a new channel, where its
// delivery_tag may be the first's).
//
// A Handler that is a DeliveryHandler is told whether the broker
// redelivered the message, or its worker hands it again after a failure
// (Delivery.Redelivered): it may have been handled already, by a consumer
// that died before acknowledging it. A message a quorum queue delivered
// before carries its x-delivery-count, logged at WARN when it arrives. It can also
// ask, while it runs, whether the channel the message came on has closed
// (Delivery.Lost): the acknowledgement can no longer land, and the broker
// delivers the message again, so another run of it may exist. The flag
// unset proves nothing (AMQP 0-9-1: a client must not rely on it;
// RabbitMQ 3.10 leaves it unset after a node restart): a Handler that is
// an AckLostNoter is told the key of each message whose acknowledgement
// or rejection was lost with its channel, to recognise the copy; one that
// is an AckLostTeller says what becomes of that copy, and the daemon's
// WARN of the lost acknowledgement ends with it. A message
// larger than MaxMessageSize is rejected without requeue and never handed
// to Handle, so nothing decodes it; an OversizeHandler is shown its first
// bytes to name it in the log (and tell its platform).
//
// A Handler that holds the result of an inject that ran in memory, tried
// again until its platform takes it (nothing could store it), says so
// with HoldingResult: /healthz counts those results, and is unhealthy
// (HeldReason) once every worker, or with DeliverySlots every delivery
// slot, holds one, as no message is taken then.
//
// While paused (the token, or a PauseError) the daemon stays connected to
// the broker with its consumer cancelled (prefetched messages go back to
// the queue, and come back flagged redelivered with Delivery.Returned
// set: no Handler saw them): injectkit_broker_connected stays 1 and
// injectkit_consumption_paused is 1. It consumes again on the same
// channel once every pause has ended.
//
// Delivery is therefore at least once: a consumer that dies before
// acknowledging leaves its messages to the broker, which redelivers them.
//
// A message holds one of Workers from its start. A Handler that calls
// Executed once its inject has run (only its result's storing and POSTs
// are left) moves it to one of DeliverySlots, waiting for one while all
// are held, and its worker takes the next message meanwhile; the message
// is still settled only once the Handler returns, and a handling the
// daemon runs again takes a worker back first (a shutdown or the loss of
// its channel meanwhile settles it as during its retry delay: it does not
// run again here). Once the shutdown starts, a handling waiting for a
// delivery slot goes on at once, keeping its worker (no message is taken
// any more): its result is stored and posted now, not after the
// deliveries holding the slots, which may outlast the shutdown timeout
// (its message was then requeued, its result not stored, and the inject
// ran again where it was taken). The broker's prefetch is
// Workers + DeliverySlots, so a message may wait in the daemon for a
// worker; the daemon watches its connection, the pauses and the shutdown
// meanwhile, as when it waits for a message.
//
// A Handler that stores its result for a later delivery (an outbox) calls
// Stored once it is stored: the message is acknowledged then, while the
// Handler still posts the result, which may take minutes while the
// platform is down; a daemon killed meanwhile leaves the result in its
// outbox and no message for the broker to give another daemon, which
// would run the inject again. What the Handler returns afterwards settles
// nothing more. Such a Handler says its inject ran with ExecutedStoring
// rather than Executed: with DeliverySlots, a result never waits for a
// slot before it is stored (it keeps its worker through the store while
// every slot is held, and waits for one once its message is
// acknowledged), so that a daemon killed while the platform is slow
// leaves no message of an inject that ran to the broker.
//
// The broker is reached with TLS when the registration says so (use_ssl):
// BrokerTLS builds the tls.Config of a private CA, a client certificate,
// or no verification at all (logged at WARN when Run starts). The settings
// a configuration layer exposes are checked by ValidateAuthFailures,
// ValidateMaxMessageSize and BrokerTLS.Config, whose errors are
// *SettingError naming the setting.
//
// On broker loss the daemon keeps the injects in flight running (their
// acknowledgement is lost with the channel, so the broker redelivers them,
// maybe to another consumer, which may run them a second time; a
// message that reached it before a stall of the daemon's own, a SIGSTOP
// or a frozen VM, runs only once its connection has answered a round
// trip since: the broker may have given it to another consumer),
// registers again (at most once per heartbeat interval, besides the
// heartbeats: each retry registering would hammer the platform while a
// queue is missing) and reconnects with exponential backoff. So does a
// message left unacknowledged longer than the broker's consumer_timeout
// (DefaultConsumerTimeout unless raised): Run warns when it starts if the
// Handler may take that long (HandleTime). When the context
// passed to Run is cancelled it stops consuming, returns prefetched messages
// to the queue, waits up to ShutdownTimeout for the injects in flight, returns
// the unfinished ones to the queue and returns nil. Meanwhile /healthz is 503
// with ShuttingDownReason (not ready), and the broker is still reported
// connected (injectkit_broker_connected 1) while the connection is: the
// messages in flight settle on it, closed once they are (lost meanwhile,
// it is reported so, with one WARN line). The broker's answers to the
// consumer's cancel and to the close are awaited as StopGrace says: a
// broker that answers nothing (a node stopped, a partition) does not hold
// the shutdown past its timeout, one WARN line says so, and the messages
// it has not seen settled go back to the queue once it reads again (and
// may one acknowledged meanwhile: see StopGrace), delivered again flagged
// redelivered (see DeliveryHandler). An Abandoner
// Handler
// first has the deliveries in flight cut short (their handlings awaited
// up to AbandonGrace), and the message of an unfinished inject whose
// result it keeps for a later delivery (Kept) is acknowledged instead:
// requeued, it would be run again by another daemon. A message requeued
// so, its inject still running, has that run's result dropped when it
// ends: Executed, which a Handler calls before it stores or sends a
// result (or a refusal of the inject, which the next handling would
// send again), returns ErrRequeued, and the daemon says so in one WARN
// line, naming a refusal when the Handler's error says it delivered one
// (a RejectionTeller).
// The requeued inject runs again in full where the message is taken, and
// its result is the inject's; this run's, cut short or late, stored and
// sent too, would give the platform two results for one inject, one of
// them claimed by a run the daemon gave up. The choice is made once, in
// the order the two come: a result whose delivery began (Executed) before
// the requeue is not dropped, and its message is acknowledged once it is
// kept.
package serve
