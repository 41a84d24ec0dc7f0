package serve

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the daemon's Prometheus metrics, registered on a registry the
// caller owns (never the global one). The daemon observes messages,
// redeliveries, the injects in flight, heartbeats and the broker connection.
// The rest is fed from outside the daemon: a Handler counts each inject and
// its outcome by injector (the Inject* methods); the durations of execution
// and delivery come from the runtime, which times every inject, through
// ObserveExecution and ObserveDelivery (cli's runtime.Observer calls them),
// and of a resend from the outbox through ObserveResend (cli's resender);
// the results the outbox failed to store through OutboxStoreFailed (cli's
// runtime.Observer, from the delivery's error);
// the callback attempts through DeliveryAttempt, which the HTTP client's
// transport calls (openaev.CountAttempts). All methods are safe for
// concurrent use and do nothing on a nil *Metrics.
type Metrics struct {
	gatherer prometheus.Gatherer
	reg      prometheus.Registerer

	messages     *prometheus.CounterVec
	redeliveries prometheus.Counter
	retried      prometheus.Counter
	inFlight     prometheus.Gauge
	heartbeats   *prometheus.CounterVec
	connected    prometheus.Gauge
	reconnects   prometheus.Counter
	authFailures prometheus.Counter
	paused       prometheus.Gauge
	held         prometheus.Gauge

	received  *prometheus.CounterVec
	executed  *prometheus.CounterVec
	completed *prometheus.CounterVec
	failed    *prometheus.CounterVec
	unstored  *prometheus.CounterVec
	execution *prometheus.HistogramVec
	delivery  *prometheus.HistogramVec
	resend    prometheus.Histogram
	attempts  *prometheus.CounterVec
}

// Message outcomes, the "outcome" label of injectkit_messages_total.
const (
	OutcomeAcked    = "acked"
	OutcomeRejected = "rejected"
	OutcomeRequeued = "requeued"
	// OutcomeChannelClosed is a message this daemon could not settle:
	// its channel closed first (a connection closed by the broker, or
	// lost), or with its acknowledgement or rejection. The broker
	// delivers it again, a redelivery for the daemon that takes it.
	OutcomeChannelClosed = "channel_closed"
)

// messagesHelp is the HELP of injectkit_messages_total: what each
// outcome counts.
const messagesHelp = "Queue messages settled, by outcome: acked (its terminal result delivered or stored in the outbox; " +
	"a redelivery acknowledged without a run, its result already stored or its inject finished; " +
	"or a run whose result the platform refused with nowhere to keep it), " +
	"rejected (malformed, too large, or refused for good; not requeued), requeued (returned to the queue, to be handled again), " +
	"channel_closed (not settled: its channel closed before, or with, its acknowledgement or rejection; the broker delivers it " +
	"again, counted in injectkit_redeliveries_total where it is taken)."

// retriedHelp is the HELP of injectkit_handling_retries_total.
const retriedHelp = "Handlings of a message that failed for a reason that may pass (the platform unreachable, or answering 5xx, " +
	"for its inject; an outbox locked by another process pauses the consumption instead), each failure " +
	"counted: the message is kept by its worker and handled again after a delay (doubled at each failure, 1 min at most); " +
	"while it fails no inject of it runs, and /healthz may stay ok."

// heldHelp is the HELP of injectkit_results_held: what it counts, and
// what bounds it.
const heldHelp = "Results of injects that ran held in memory, their terminal callback tried again until the platform " +
	"(or the outbox) takes them: with --outbox none, or an outbox that failed to store them. Each keeps its worker " +
	"(with --delivery-slots, its delivery slot) and its message unacknowledged, so at most --workers are held (with " +
	"--delivery-slots, that many); once every one holds one, no other message is taken (the broker's prefetch is " +
	"--workers plus --delivery-slots): none is requeued, nor run again."

// reconnectsHelp is the HELP of injectkit_broker_reconnects_total: every
// connection made after the first, whether a consumer started on it or not.
const reconnectsHelp = "Connections to the broker made after the first one, each counted as it is made (its handshake done): " +
	"one lost while the daemon waited on it for a free worker, or on which the queue to consume did not exist, included."

// resendHelp is the HELP of injectkit_resend_delay_seconds.
const resendHelp = "For each callback body the outbox's resender of this daemon delivered (its platform back), the time from its " +
	"storing in the outbox to the platform taking it: how late the platform got it."

// NewMetrics creates the metrics and registers them on reg. It panics if
// they are already registered there (a programming error).
func NewMetrics(reg *prometheus.Registry) *Metrics {
	// Up to an hour: a run ends a little after its deadline, 10 min by
	// default (runtime.DefaultTimeout), which the 900 bucket holds; longer
	// scans, up to RabbitMQ's default consumer_timeout (30 min) and past
	// it, the next ones.
	durations := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600}
	r := registrar{reg}
	m := &Metrics{
		gatherer:     reg,
		reg:          reg,
		messages:     r.counterVec("injectkit_messages_total", "outcome", messagesHelp),
		redeliveries: r.counter("injectkit_redeliveries_total", "Queue messages received with the broker's redelivered flag set (a message this daemon returned to the queue unhandled included, counted in injectkit_injects_received_total too), or recognised by the handler as sent again without it."),
		retried:      r.counter("injectkit_handling_retries_total", retriedHelp),
		inFlight:     r.gauge("injectkit_injects_in_flight", "Messages taken from the broker and not yet settled: an inject running or its result being stored and posted, or a message waiting for another copy of its inject to be handled, or to be handled again after a transient failure, or (with --delivery-slots) for a free worker."),
		heartbeats:   r.counterVec("injectkit_heartbeats_total", "result", "Registrations sent to the platform (the first one, every heartbeat, a re-registration after the queue was lost, a check of a refused token), by result: ok or error."),
		connected:    r.gauge("injectkit_broker_connected", "1 while the daemon is connected to the broker (consuming, or paused with its consumer cancelled), else 0."),
		reconnects:   r.counter("injectkit_broker_reconnects_total", reconnectsHelp),
		authFailures: r.counter("injectkit_auth_failures_total", "Messages whose handling the platform refused for authorization (401, 403, or 404 for access denied before OpenAEV 2.0.0), each counted once however often it is refused."),
		paused:       r.gauge("injectkit_consumption_paused", "1 while consumption is paused (the platform refuses the token, the outbox is full or its file system refuses writes, another process holds the outbox's lock past --outbox-lock-timeout, or a process of an earlier injectkit sends bodies from the outbox, which keeps results from being stored: see /healthz reason), else 0."),
		held:         r.gauge("injectkit_results_held", heldHelp),
		received:     r.counterVec("injectkit_injects_received_total", "injector", "Injects received for the first time (redeliveries are counted in injectkit_redeliveries_total; a message this daemon returned to the queue unhandled, prefetched when it paused, replaced its consumer by one that takes more or left the queue for a changed registration, is counted here too when it comes back), by injector (\"unknown\" when the message names none that is registered, or cannot be decoded: malformed or too large, whatever contract it names)."),
		executed: r.counterVecs("injectkit_injects_executed_total", []string{"injector", "status"},
			"Injects run, by injector and outcome (success, partial, failed, timeout; error: the runtime could not build the run's report, and reported the inject refused), counted as the runtime ends each run (its observer's OnExecuted); a rejected inject is not run."),
		completed: r.counterVec("injectkit_injects_completed_total", "injector", "Runs whose terminal callback was delivered, or stored in the outbox for a later delivery, by injector."),
		failed:    r.counterVec("injectkit_injects_failed_total", "injector", "Injects whose message was rejected, or whose result is lost (not delivered, nowhere to keep it), by injector; a requeue is not a failure."),
		unstored:  r.counterVec("injectkit_outbox_store_failures_total", "injector", unstoredHelp),
		execution: r.histogramVec("injectkit_execution_duration_seconds", "injector", durations, "Time an injector spent executing an inject."),
		delivery: r.histogramVec("injectkit_delivery_duration_seconds", "injector", durations,
			"Time an inject's first delivery took, retries included, until its callbacks were delivered or, not taken, their first tries ended "+
				"(stored in the outbox before the first, left to its resender then) "+
				"(a resend is in injectkit_resend_delay_seconds)."),
		resend:   r.histogram("injectkit_resend_delay_seconds", append(durations, 7200, 14400, 43200, 86400), resendHelp),
		attempts: r.counterVec("injectkit_delivery_attempts_total", "status", "Callback HTTP attempts, by status: the HTTP status code, or \"error\" when no response came back."),
	}
	// The label values known ahead start at 0, so that rate() and
	// increase() see the first event of each (see Declare for the rest).
	for _, outcome := range []string{OutcomeAcked, OutcomeRejected, OutcomeRequeued, OutcomeChannelClosed} {
		m.messages.WithLabelValues(outcome)
	}
	m.heartbeats.WithLabelValues("ok")
	m.heartbeats.WithLabelValues("error")
	m.attempts.WithLabelValues("error")
	m.received.WithLabelValues(injectorLabel(""))
	m.failed.WithLabelValues(injectorLabel(""))
	return m
}

// Declare starts at 0 the counters of each injector served (received,
// executed, completed, failed, and the durations' histograms, whose
// _count and _bucket are counters too) and of each callback status
// expected (the platform's answer to an accepted callback, say), so that
// rate() and increase() see
// their first event: a series that appears at its first event has no
// earlier sample to count it from. NewMetrics declares the label values
// it knows (the outcomes, the heartbeat results, the "error" status, the
// "unknown" injector).
func (m *Metrics) Declare(injectors []string, statuses ...int) {
	if m == nil {
		return
	}
	for _, n := range injectors {
		m.received.WithLabelValues(injectorLabel(n))
		for _, st := range executedStatuses {
			m.executed.WithLabelValues(injectorLabel(n), st)
		}
		m.completed.WithLabelValues(injectorLabel(n))
		m.failed.WithLabelValues(injectorLabel(n))
		m.unstored.WithLabelValues(injectorLabel(n))
		// A histogram's _count and _bucket series are counters too.
		m.execution.WithLabelValues(injectorLabel(n))
		m.delivery.WithLabelValues(injectorLabel(n))
	}
	for _, st := range statuses {
		m.attempts.WithLabelValues(strconv.Itoa(st))
	}
}

// registrar creates metrics and registers each on reg as it is created.
type registrar struct{ reg prometheus.Registerer }

func (r registrar) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	r.reg.MustRegister(c)
	return c
}

func (r registrar) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	r.reg.MustRegister(g)
	return g
}

func (r registrar) counterVec(name, label, help string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{label})
	r.reg.MustRegister(c)
	return c
}

func (r registrar) counterVecs(name string, labels []string, help string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	r.reg.MustRegister(c)
	return c
}

func (r registrar) histogram(name string, buckets []float64, help string) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	r.reg.MustRegister(h)
	return h
}

func (r registrar) histogramVec(name, label string, buckets []float64, help string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, []string{label})
	r.reg.MustRegister(h)
	return h
}

func injectorLabel(injector string) string {
	if injector == "" {
		return "unknown"
	}
	return injector
}

// StatusError is the "status" of injectkit_injects_executed_total of a
// run whose report the runtime could not build (runtime.Observer's
// OnExecuted given an error): its inject ran, and was reported refused.
const StatusError = "error"

// executedStatuses are the outcomes of a run, the "status" label of
// injectkit_injects_executed_total: framework's Status* values, and
// StatusError.
var executedStatuses = []string{"success", "partial", "failed", "timeout", StatusError}

// InjectExecuted counts a run of an inject of injector that ended with
// status (the runtime's outcome: success, partial, failed, timeout; or
// StatusError).
func (m *Metrics) InjectExecuted(injector, status string) {
	if m != nil {
		m.executed.WithLabelValues(injectorLabel(injector), status).Inc()
	}
}

// InjectReceived counts an inject received for injector, for the first
// time (a redelivery is counted by the daemon, in redeliveries, or by the
// Handler: see Redelivery).
func (m *Metrics) InjectReceived(injector string) {
	if m != nil {
		m.received.WithLabelValues(injectorLabel(injector)).Inc()
	}
}

// InjectCompleted counts a run whose terminal callback was delivered, or
// stored for a later delivery.
func (m *Metrics) InjectCompleted(injector string) {
	if m != nil {
		m.completed.WithLabelValues(injectorLabel(injector)).Inc()
	}
}

// InjectFailed counts an inject whose message was rejected or whose
// result is lost; not one requeued (it is counted again when it ends).
func (m *Metrics) InjectFailed(injector string) {
	if m != nil {
		m.failed.WithLabelValues(injectorLabel(injector)).Inc()
	}
}

// HoldResult counts a result of an inject that ran held in memory until
// the platform or the outbox takes it (see injectkit_results_held); the
// caller calls release once it is no longer held.
func (m *Metrics) HoldResult() (release func()) {
	if m == nil {
		return func() {}
	}
	m.held.Inc()
	return m.held.Dec
}

// ObserveExecution records how long injector took to execute an inject.
func (m *Metrics) ObserveExecution(injector string, d time.Duration) {
	if m != nil {
		m.execution.WithLabelValues(injectorLabel(injector)).Observe(d.Seconds())
	}
}

// ObserveDelivery records how long delivering an inject's callbacks took.
func (m *Metrics) ObserveDelivery(injector string, d time.Duration) {
	if m != nil {
		m.delivery.WithLabelValues(injectorLabel(injector)).Observe(d.Seconds())
	}
}

// ObserveResend records how long after its storing in the outbox a
// callback body was delivered by the outbox's resend.
func (m *Metrics) ObserveResend(d time.Duration) {
	if m != nil {
		m.resend.Observe(d.Seconds())
	}
}

// DeliveryAttempt counts one callback HTTP attempt: status is the HTTP
// status code, or 0 when no response came back.
func (m *Metrics) DeliveryAttempt(status int) {
	if m == nil {
		return
	}
	label := "error"
	if status > 0 {
		label = strconv.Itoa(status)
	}
	m.attempts.WithLabelValues(label).Inc()
}

func (m *Metrics) message(outcome string) {
	if m != nil {
		m.messages.WithLabelValues(outcome).Inc()
	}
}

// Redelivery counts a message delivered without the broker's redelivered
// flag that the Handler recognises as one it may have handled before (the
// flag is not to be relied on: see Delivery.Redelivered), in
// redeliveries; the daemon counts those with the flag.
func (m *Metrics) Redelivery() { m.redelivered() }

func (m *Metrics) redelivered() {
	if m != nil {
		m.redeliveries.Inc()
	}
}

// handlingRetried counts a handling that failed and is tried again.
func (m *Metrics) handlingRetried() {
	if m != nil {
		m.retried.Inc()
	}
}

func (m *Metrics) addInFlight(n float64) {
	if m != nil {
		m.inFlight.Add(n)
	}
}

func (m *Metrics) heartbeat(ok bool) {
	if m == nil {
		return
	}
	result := "error"
	if ok {
		result = "ok"
	}
	m.heartbeats.WithLabelValues(result).Inc()
}

// gaugeBool is a gauge's value for a state: 1 when on, else 0.
func gaugeBool(on bool) float64 {
	if on {
		return 1
	}
	return 0
}

func (m *Metrics) setConnected(up bool) {
	if m != nil {
		m.connected.Set(gaugeBool(up))
	}
}

func (m *Metrics) reconnected() {
	if m != nil {
		m.reconnects.Inc()
	}
}

func (m *Metrics) authFailure() {
	if m != nil {
		m.authFailures.Inc()
	}
}

func (m *Metrics) setPaused(paused bool) {
	if m != nil {
		m.paused.Set(gaugeBool(paused))
	}
}
