package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Defaults of a Daemon.
const (
	DefaultWorkers           = 4
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultHeartbeatInterval = 40 * time.Second
	DefaultRequeueDelay      = 2 * time.Second
	DefaultMinBackoff        = 500 * time.Millisecond
	DefaultMaxBackoff        = 30 * time.Second
	DefaultName              = "injectkit"
)

// DefaultConsumerTimeout is RabbitMQ's consumer_timeout since 3.8.15: a
// delivery left unacknowledged longer gets its channel closed by the
// broker, which delivers the message again, maybe to another consumer.
const DefaultConsumerTimeout = 30 * time.Minute

// Registrar registers the injector with its platform and says where to
// consume. Run calls Register once at start, again before each
// reconnection, and every HeartbeatInterval as a heartbeat; calls never
// overlap. A permanent error (IsPermanent) from the first call ends Run;
// any other error is logged and retried with backoff. Later failures are
// never fatal: the daemon keeps the last registration it was given.
type Registrar interface {
	Register(ctx context.Context) (Registration, error)
}

// Handler processes one message body; see the package documentation for
// how the daemon settles the message from the error returned. Handle is
// called from up to Workers goroutines at once. Its context is not
// cancelled by a shutdown: an inject in flight finishes (up to
// ShutdownTimeout, after which its message is requeued, or acknowledged
// when an Abandoner keeps its result, and the daemon stops waiting for it).
type Handler interface {
	Handle(ctx context.Context, body []byte) error
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, body []byte) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, body []byte) error { return f(ctx, body) }

// Daemon consumes a platform's queue and hands each message to its Handler.
// Set the fields, then call Run once.
type Daemon struct {
	Registrar Registrar
	Handler   Handler
	// Workers bounds the messages handled at once, but for those whose
	// Handler said that only their delivery is left (see Executed and
	// DeliverySlots) (default DefaultWorkers).
	Workers int
	// DeliverySlots bounds the messages whose Handler said that only
	// their delivery is left (see Executed), each freeing its worker for
	// the next message; 0, none: a message keeps its worker to its end.
	// The broker's prefetch is Workers + DeliverySlots.
	DeliverySlots int
	// ShutdownTimeout is how long a shutdown waits for the injects in
	// flight (default DefaultShutdownTimeout).
	ShutdownTimeout time.Duration
	// HeartbeatInterval is the period of the registration heartbeat
	// (default DefaultHeartbeatInterval).
	HeartbeatInterval time.Duration
	// RequeueDelay is how long a message whose handling failed transiently
	// waits, kept by its worker, before it is handled again (default
	// DefaultRequeueDelay), so a platform outage does not turn into a
	// storm of retries; it is also the wait before a message the platform
	// refused for the token is handled again (fixed, and the end of a
	// pause awaited too). It doubles with each failure of the same
	// message, up to MaxRequeueDelay.
	RequeueDelay time.Duration
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// reconnections and registration retries.
	MinBackoff, MaxBackoff time.Duration
	// Listener, or else ListenAddr, serves /healthz and /metrics; with
	// neither, no HTTP server runs.
	Listener   net.Listener
	ListenAddr string
	// TLSConfig is used when the platform's registration says use_ssl
	// (default: system roots, server name from the registration); build it
	// from the broker_* settings with BrokerTLS.Config. A config that
	// skips verification is logged at WARN when Run starts.
	TLSConfig *tls.Config
	// AuthFailures is how many messages in a row whose handling the
	// platform refused for authorization (UnauthorizedError) stop the
	// consumption until a registration succeeds again (default
	// DefaultAuthFailures).
	AuthFailures int
	// MaxMessageSize is the largest message body handled, in bytes
	// (default DefaultMaxMessageSize); a larger one is rejected without
	// requeue, unread, and the reason logged.
	MaxMessageSize int64
	// HandleTime is how long the Handler may take on one message (an
	// inject's execution deadline and the delivery of its callbacks); 0
	// when unknown. Run logs a WARN when it starts if a message may stay
	// unacknowledged longer than DefaultConsumerTimeout: HandleTime, twice
	// it with DeliverySlots (a message taken while every worker runs one
	// waits for a worker; see capacity): the broker would close the
	// channel of such a message before its acknowledgement, unless its
	// consumer_timeout was raised.
	HandleTime time.Duration
	// Name begins the broker connection's name, followed by the host and
	// the process id ("injectkit-nmap on scanner-1 pid 4242"), and
	// prefixes consumer tags (default DefaultName).
	Name string
	// Secrets are never shown (the platform's token): a broker's text
	// quoted in an error, a log line or /healthz is withheld when it
	// echoes one of them or the broker's password (see brokerText).
	Secrets []string
	Log     *zap.Logger
	Metrics *Metrics
	// StartPaused, when set, is a pause the daemon starts in (its outbox
	// held by another process, say: see PauseError): it registers and
	// heartbeats, /healthz answers 503 with the pause's reason, and it
	// connects to the broker and consumes only once the pause's Wait
	// returns. Its Reason is logged once, at WARN.
	StartPaused *PauseError
}

// Run registers, consumes until ctx is cancelled, then shuts down
// gracefully and returns nil. It returns an error when it cannot start: a
// missing Registrar or Handler, a listen address in use, or a permanent
// registration error.
func (d *Daemon) Run(ctx context.Context) error {
	if d.Registrar == nil || d.Handler == nil {
		return errors.New("serve: daemon needs a Registrar and a Handler")
	}
	r := newRunner(d)
	if d.TLSConfig != nil && d.TLSConfig.InsecureSkipVerify {
		r.log.Warn("broker TLS certificate verification disabled (broker_insecure): the broker is not authenticated")
	}
	if unacked := r.unackedFor(d.HandleTime); unacked > DefaultConsumerTimeout {
		r.log.Warn("an inject may stay unacknowledged longer than RabbitMQ's default consumer_timeout: "+
			"the broker then closes its channel and delivers the message again, and another daemon runs the inject a second time; "+
			"raise consumer_timeout to consumer_timeout_ms at least in rabbitmq.conf, or, on RabbitMQ 3.12 and later, "+
			"with a policy (consumer-timeout) or the queue argument x-consumer-timeout",
			zap.Duration("handle_time", d.HandleTime), zap.Duration("consumer_timeout", DefaultConsumerTimeout),
			zap.Int64("consumer_timeout_ms", unacked.Milliseconds()))
	}
	// Handlers keep ctx's values but not its cancellation.
	r.ctx, r.base = ctx, context.WithoutCancel(ctx)
	stopHTTP, err := r.serveHTTP()
	if err != nil {
		return err
	}
	defer stopHTTP()

	reg, err := r.registerFirst(ctx)
	if err != nil {
		if ctx.Err() != nil {
			r.log.Info("stopped before the first registration")
			return nil
		}
		return err
	}
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		r.heartbeats(ctx)
	}()
	stallDone := make(chan struct{})
	go func() {
		defer close(stallDone)
		r.stall.run(ctx)
	}()
	defer func() { <-stallDone }()
	if d.StartPaused == nil || r.pausedAtStart(ctx, d.StartPaused) {
		r.consumeLoop(ctx, reg)
	}
	<-hbDone
	r.shutdown()
	return nil
}

// runner is the state of one Run.
type runner struct {
	d       *Daemon
	ctx     context.Context // Run's
	base    context.Context // parent of handler contexts
	log     *zap.Logger
	metrics *Metrics

	workers                int
	shutdownTimeout        time.Duration
	heartbeatInterval      time.Duration
	requeueDelay           time.Duration
	retries                retries   // the failures of each message, for its requeue delay
	unhandled              unhandled // the messages returned to the queue unhandled
	minBackoff, maxBackoff time.Duration
	name                   string
	maxMessageSize         int64
	auth                   *authState
	hold                   hold          // the pause a Handler asked for
	pause                  chan struct{} // asks the consume loop to stop consuming
	pauseMu                sync.Mutex    // orders the updates of the paused gauge
	// pausedSince is when the consumption last began to be paused, zero
	// while it is not, and pausedWhy the reason it began with: held
	// under pauseMu (see syncPaused).
	pausedSince time.Time
	pausedWhy   string

	regMu sync.Mutex // serializes Register calls
	// beatSaid is when a WARN last said the heartbeats failing, zero
	// while they succeed (see reminder.Level); held under regMu.
	beatSaid time.Time
	mu       sync.Mutex
	current  Registration
	changed  chan struct{}

	connected    atomic.Bool
	missingQueue atomic.Pointer[string] // the queue the broker said does not exist, nil once consumed
	brokerErr    atomic.Pointer[string] // why the last connection failed or was lost (no secret), nil once connected
	heartbeatOK  atomic.Bool
	regFailure   atomic.Pointer[string] // the /healthz reason of the last registration's failure
	lastBeat     atomic.Int64           // unix nanoseconds of the last successful registration

	slots    chan struct{} // the workers held
	delivery chan struct{} // the delivery slots held, nil without (see Executed)
	pf       prefetch      // the consumer's prefetch (see startConsumer)
	idle     chan func()   // a job to a worker waiting for one (see worker)
	stopping chan struct{} // closed when the shutdown starts
	inflight sync.WaitGroup
	jobsMu   sync.Mutex
	jobs     map[*job]struct{}
	sessions map[*session]struct{}
	watching sync.WaitGroup // the watch of the connection a stop drains on (see watchDrain)
	seq      atomic.Int64
	channels atomic.Uint64 // the broker channels opened (see delivery)
	dialed   atomic.Bool   // a connection to the broker was made (see connect)
	stall    *stallWatch   // the daemon's own stalls (see heldAcrossStall)

	// cancelled is closed once the stop's cancel of the consumer of
	// cancelledOn, sent at cancelSent, returned (see stopConsumingAtStop);
	// nil when there was none.
	cancelled   chan struct{}
	cancelledOn *session
	cancelSent  time.Time
}

func newRunner(d *Daemon) *runner {
	r := &runner{
		d: d, log: d.Log, metrics: d.Metrics,
		workers: d.Workers, shutdownTimeout: d.ShutdownTimeout, heartbeatInterval: d.HeartbeatInterval,
		requeueDelay: d.RequeueDelay, minBackoff: d.MinBackoff, maxBackoff: d.MaxBackoff, name: d.Name,
		changed: make(chan struct{}, 1), stopping: make(chan struct{}), pause: make(chan struct{}, 1),
		jobs: map[*job]struct{}{}, sessions: map[*session]struct{}{}, stall: newStallWatch(),
	}
	if r.log == nil {
		r.log = zap.NewNop()
	}
	if r.metrics == nil {
		r.metrics = NewMetrics(prometheus.NewRegistry())
	}
	if r.workers <= 0 {
		r.workers = DefaultWorkers
	}
	if r.shutdownTimeout <= 0 {
		r.shutdownTimeout = DefaultShutdownTimeout
	}
	if r.heartbeatInterval <= 0 {
		r.heartbeatInterval = DefaultHeartbeatInterval
	}
	if r.requeueDelay < 0 {
		r.requeueDelay = 0
	} else if r.requeueDelay == 0 {
		r.requeueDelay = DefaultRequeueDelay
	}
	if r.minBackoff <= 0 {
		r.minBackoff = DefaultMinBackoff
	}
	if r.maxBackoff < r.minBackoff {
		r.maxBackoff = max(DefaultMaxBackoff, r.minBackoff)
	}
	if r.name == "" {
		r.name = DefaultName
	}
	r.maxMessageSize = d.MaxMessageSize
	if r.maxMessageSize <= 0 {
		r.maxMessageSize = DefaultMaxMessageSize
	}
	limit := d.AuthFailures
	if limit <= 0 {
		limit = DefaultAuthFailures
	}
	r.auth = newAuthState(limit, r.pause)
	r.slots = make(chan struct{}, r.workers)
	if d.DeliverySlots > 0 {
		r.delivery = make(chan struct{}, d.DeliverySlots)
	}
	r.pf.freed, r.pf.grow = make(chan struct{}, 1), make(chan struct{}, 1)
	r.idle = make(chan func())
	return r
}

// backoff returns the wait before retry n (from 1), with ±20 % jitter.
func (r *runner) backoff(n int) time.Duration {
	d := r.minBackoff
	for i := 1; i < n && d < r.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.maxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sleep waits d or until ctx is done; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
