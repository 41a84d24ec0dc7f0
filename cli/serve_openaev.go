package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The adapters between the OpenAEV profile and the generic daemon.

// Interface guards.
var (
	_ serve.Registrar = (*openaevRegistrar)(nil)
	_ serve.Handler   = (*openaevHandler)(nil)
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

// openaevHandler runs one platform message through the processor, maps its
// result onto the daemon's settlement and observes the inject's metrics.
type openaevHandler struct {
	proc    *openaev.Processor
	tracker *injectTracker
	// outbox, when set, keeps the terminal callbacks; wake is signalled
	// when one stays there.
	outbox *durableCallbacks
	wake   chan<- struct{}
}

// Handle returns nil when the terminal callback was delivered; a permanent
// error (reject, no requeue) for a message the processor refused
// (*openaev.MessageError: its terminal ERROR, if it had an inject id, was
// delivered) or a terminal callback the platform refused for good with a
// 4xx other than 401/403; any other error requeues the message. A refused
// token (401/403) requeues: it fails every inject alike, and the failing
// heartbeat turns /healthz red until it is fixed.
func (h *openaevHandler) Handle(ctx context.Context, body []byte) error {
	id, injector := h.proc.Identify(body)
	m := h.tracker.metrics
	m.InjectReceived(injector)
	if h.outbox != nil && id != "" && h.outbox.waiting(id) {
		// Run before, its result already durable: not run again.
		h.proc.Log.Info("terminal callback already in the outbox; message acknowledged without running the inject again",
			zap.String("inject_id", id), zap.String("outbox", h.outbox.store.Path()))
		m.InjectCompleted(injector)
		select {
		case h.wake <- struct{}{}:
		default:
		}
		return nil
	}
	done := h.tracker.begin(id, injector)
	err := h.proc.Process(ctx, body)
	done()
	if h.outbox != nil && h.keptInOutbox(ctx, id, err) {
		m.InjectFailed(injector)
		return nil
	}
	var me *openaev.MessageError
	var ae *openaev.APIError
	switch {
	case err == nil:
		m.InjectCompleted(injector)
		return nil
	case errors.As(err, &me):
		m.InjectFailed(injector)
		return serve.Permanent(err)
	case errors.As(err, &ae) && errors.Is(err, openaev.ErrPermanent) &&
		ae.Status != http.StatusUnauthorized && ae.Status != http.StatusForbidden:
		m.InjectFailed(injector)
		return serve.Permanent(err)
	}
	m.InjectFailed(injector)
	return err
}

// keptInOutbox settles the stored terminal callback of inject id after
// Process returned err, and reports whether the callback waits in the
// outbox for a resend: the message is then acknowledged, the result being
// durable. A callback the platform refused for good goes to the outbox's
// dead list and the message is settled as before.
func (h *openaevHandler) keptInOutbox(ctx context.Context, id string, err error) bool {
	out, kept := h.outbox.settle(ctx, id, err)
	if !kept || out != outbox.Failed {
		return false
	}
	h.proc.Log.Warn("terminal callback not delivered; kept in the outbox and acknowledged",
		zap.String("inject_id", id), zap.String("outbox", h.outbox.store.Path()), zap.Error(err))
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return true
}

// injectTracker times the injects in flight from the callbacks their
// processing sends: execution runs from the message's receipt to the first
// attempt of its terminal callback, delivery from that attempt to the end of
// processing (retries included).
type injectTracker struct {
	metrics *serve.Metrics
	now     func() time.Time
	mu      sync.Mutex
	live    map[string]*tracked
}

type tracked struct {
	injector string
	start    time.Time
	terminal time.Time // first attempt of the terminal callback; zero before
}

func newInjectTracker(m *serve.Metrics) *injectTracker {
	return &injectTracker{metrics: m, now: time.Now, live: map[string]*tracked{}}
}

// begin starts timing inject id and returns the function that ends it.
func (t *injectTracker) begin(id, injector string) (end func()) {
	if id == "" {
		return func() {}
	}
	e := &tracked{injector: injector, start: t.now()}
	t.mu.Lock()
	if _, dup := t.live[id]; dup {
		// The same inject twice in this process (a redelivery while the
		// first run goes on): time the first one only.
		t.mu.Unlock()
		return func() {}
	}
	t.live[id] = e
	t.mu.Unlock()
	return func() {
		end := t.now()
		t.mu.Lock()
		delete(t.live, id)
		t.mu.Unlock()
		if e.terminal.IsZero() {
			return
		}
		t.metrics.ObserveExecution(e.injector, e.terminal.Sub(e.start))
		t.metrics.ObserveDelivery(e.injector, end.Sub(e.terminal))
	}
}

// terminalAttempt records an attempt of inject id's terminal callback.
func (t *injectTracker) terminalAttempt(id string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.live[id]; ok && e.terminal.IsZero() {
		e.terminal = now
	}
}

// callbackTransport counts every inject callback attempt (reception,
// traces, terminal) by status and tells the tracker when a terminal
// callback is attempted.
type callbackTransport struct {
	next    http.RoundTripper
	tracker *injectTracker
}

func (c *callbackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind, id := callbackPath(req.URL.EscapedPath())
	if kind == "" {
		return c.next.RoundTrip(req)
	}
	if kind == "callback" && isTerminal(req) {
		c.tracker.terminalAttempt(id)
	}
	resp, err := c.next.RoundTrip(req)
	status := 0
	if err == nil {
		status = resp.StatusCode
	}
	c.tracker.metrics.DeliveryAttempt(status)
	return resp, err
}

// callbackPath recognises …/injects/execution/{reception|callback}/{id}.
func callbackPath(p string) (kind, id string) {
	_, rest, ok := strings.Cut(p, "/injects/execution/")
	if !ok {
		return "", ""
	}
	kind, escaped, ok := strings.Cut(rest, "/")
	if !ok || (kind != "reception" && kind != "callback") {
		return "", ""
	}
	id, err := url.PathUnescape(escaped)
	if err != nil {
		return "", ""
	}
	return kind, id
}

// isTerminal reads a copy of a callback's body for its action.
func isTerminal(req *http.Request) bool {
	if req.GetBody == nil {
		return false
	}
	rc, err := req.GetBody()
	if err != nil {
		return false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil || !bytes.Contains(b, []byte(openaev.ActionComplete)) {
		return false
	}
	var probe struct {
		Action string `json:"execution_action"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Action == openaev.ActionComplete
}
