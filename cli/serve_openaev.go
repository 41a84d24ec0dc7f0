package cli

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The adapters between the OpenAEV profile, the runtime and the generic
// daemon.

// Interface guards.
var (
	_ serve.Registrar  = (*openaevRegistrar)(nil)
	_ serve.Handler    = (*openaevHandler)(nil)
	_ runtime.Observer = metricsObserver{}
)

// openaevRegistrar registers the injectors: with the icon the first time,
// without it for the heartbeats.
type openaevRegistrar struct {
	client    *openaev.Client
	manifests []framework.Manifest
	iconSent  atomic.Bool
}

func (r *openaevRegistrar) Register(ctx context.Context) (serve.Registration, error) {
	reg, err := r.client.Register(ctx, r.manifests, !r.iconSent.Load())
	if err != nil {
		var ve *openaev.ValidationError
		if errors.As(err, &ve) || errors.Is(err, openaev.ErrPermanent) {
			// A bad configuration or a refused token: retrying cannot help.
			return serve.Registration{}, serve.Permanent(err)
		}
		return serve.Registration{}, err
	}
	r.iconSent.Store(true)
	c := reg.Connection
	return serve.Registration{
		Broker: serve.Broker{Host: c.Host, Port: c.Port, VHost: c.VHost, User: c.User, Pass: c.Pass, TLS: c.UseSSL},
		Queue:  reg.Listen,
	}, nil
}

// openaevHandler runs one platform message through the processor and maps
// its result onto the daemon's settlement.
type openaevHandler struct {
	proc    *openaev.Processor
	profile *openaev.Profile
	metrics *serve.Metrics
	log     *zap.Logger
	// store, when set, is the outbox keeping the terminal callbacks; wake
	// is signalled when one waits there.
	store *outbox.Store
	wake  chan<- struct{}
}

// Handle returns nil when the terminal callback was delivered, or kept in
// the outbox for a resend (the result is durable: the message may be
// acknowledged); a permanent error (reject, no requeue) for a message the
// processor refused (*openaev.MessageError: its terminal INVALID_USAGE, if
// it had an inject id, was delivered) or a terminal callback the platform
// refused for good with a 4xx other than 401/403; any other error requeues
// the message. A refused token (401/403) requeues: it fails every inject
// alike, and the failing heartbeat turns /healthz red until it is fixed.
func (h *openaevHandler) Handle(ctx context.Context, body []byte) error {
	id, injector := h.proc.Identify(body)
	h.metrics.InjectReceived(injector)
	if h.store != nil && id != "" && h.waiting(id) {
		// Run before, its result already durable: not run again.
		h.log.Info("terminal callback already in the outbox; message acknowledged without running the inject again",
			zap.String("inject_id", id), zap.String("outbox", h.store.Path()))
		h.metrics.InjectCompleted(injector)
		h.signal()
		return nil
	}
	err := h.proc.Process(ctx, body)
	var se *runtime.StoredError
	var me *openaev.MessageError
	var ae *openaev.APIError
	switch {
	case err == nil:
		h.metrics.InjectCompleted(injector)
		return nil
	case errors.As(err, &se) && se.Pending > 0:
		h.log.Warn("terminal callback not delivered; kept in the outbox and acknowledged",
			zap.String("inject_id", id), zap.String("outbox", se.Outbox))
		h.metrics.InjectFailed(injector)
		return nil
	case errors.As(err, &me):
		h.metrics.InjectFailed(injector)
		return serve.Permanent(err)
	case errors.As(err, &ae) && errors.Is(err, openaev.ErrPermanent) &&
		ae.Status != http.StatusUnauthorized && ae.Status != http.StatusForbidden:
		h.metrics.InjectFailed(injector)
		return serve.Permanent(err)
	}
	h.metrics.InjectFailed(injector)
	return err
}

// waiting reports whether a terminal callback of inject id already waits
// in the outbox: its message is a redelivery after the consumer that ran
// it stopped, and the result will be resent from the outbox.
func (h *openaevHandler) waiting(id string) bool {
	recs, err := h.store.List()
	if err != nil {
		return false
	}
	for _, r := range recs {
		if r.InjectID == id && r.State == outbox.Pending && h.profile.Owns(r) {
			return true
		}
	}
	return false
}

func (h *openaevHandler) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// metricsObserver feeds the daemon's execution and delivery durations from
// the runtime, which times every inject.
type metricsObserver struct{ m *serve.Metrics }

func (o metricsObserver) OnExecuted(r *runtime.Report, d time.Duration) {
	o.m.ObserveExecution(r.Injector, d)
}

func (o metricsObserver) OnDelivered(r *runtime.Report, d time.Duration, _ error) {
	o.m.ObserveDelivery(r.Injector, d)
}

// startResender resends the terminal callbacks the profile keeps in store
// in the background until the returned stop is called.
func startResender(ctx context.Context, store *outbox.Store, p *openaev.Profile, wake <-chan struct{}, log *zap.Logger) (stop func()) {
	rs := &outbox.Resender{Store: store, Log: log, Wake: wake, Select: p.Owns,
		Client: func(string) (outbox.Poster, error) { return p, nil }}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = rs.Run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}
