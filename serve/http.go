package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// Health is the body of /healthz.
type Health struct {
	Status          string `json:"status"` // "ok" or "unavailable"
	BrokerConnected bool   `json:"broker_connected"`
	HeartbeatOK     bool   `json:"heartbeat_ok"`
	LastHeartbeat   string `json:"last_heartbeat,omitempty"` // RFC 3339, last successful registration
	// TokenRefused is set from a message whose handling the platform
	// refused for authorization until a message is handled without a
	// refusal or a registration succeeds; Paused while the consumption
	// waits for a registration (see AuthFailures) or for the Handler (a
	// PauseError: its Reason). BrokerConnected stays true while paused:
	// the connection is kept, only the consumer is cancelled.
	TokenRefused bool `json:"token_refused,omitempty"`
	Paused       bool `json:"consumption_paused,omitempty"`
	// Reason says why the status is "unavailable": a shutdown waiting
	// for the injects in flight (ShuttingDownReason; BrokerConnected
	// stays true while their messages settle on the connection),
	// ReasonStarting before the first registration ended, ReasonUnauthorized (or the last refusal's RefusalReason: a tenant
	// refused), a PauseError's reason as it is at the request (its Current, else
	// its Reason: "outbox full: …"), every worker (or delivery slot)
	// holding a result it cannot deliver nor store (HeldReason), the
	// failing registration
	// (ReasonRegistration, with what failed when its error is a
	// HealthReasoner: "…: status 401 (token refused)"), the
	// queue missing on the broker (QueueMissingReason), or the broker
	// connection (ReasonBroker, followed by why the last attempt failed,
	// or how the last connection was lost: the broker's close code and
	// text, redacted, or that the broker cancelled the consumer:
	// ConsumerCancelledReason; without the broker's password).
	Reason string `json:"reason,omitempty"`
	// ResultsHeld counts the results of injects that ran held in memory,
	// neither delivered nor stored, each tried again by the handling
	// holding its worker (with delivery slots, its delivery slot: see
	// HoldingResult); ResultsHeldSince (RFC 3339) is when the oldest began
	// to be. Once every one holds one no message is taken: the status is
	// "unavailable", its Reason a HeldReason line; before, Warning is
	// that line and the status stays "ok" (the other slots take
	// messages), as it is when another reason makes it unavailable.
	ResultsHeld      int    `json:"results_held,omitempty"`
	ResultsHeldSince string `json:"results_held_since,omitempty"`
	Warning          string `json:"warning,omitempty"`
}

// Reasons of an unavailable /healthz, besides ReasonUnauthorized.
// ReasonStarting is the reason until the first registration ended or one
// of its attempts failed: nothing failed yet.
const (
	ReasonStarting     = "starting: the first registration with the platform has not ended yet"
	ReasonRegistration = "the platform's registration (heartbeat) is failing"
	ReasonBroker       = "not connected to the broker"
)

// A HealthReasoner is an error that says in a few words what failed, for
// /healthz: "status 401 (token refused)". While the registration fails
// with one (found with errors.As), the /healthz reason is
// ReasonRegistration followed by ": " and its HealthReason.
type HealthReasoner interface {
	error
	HealthReason() string
}

// registrationReason is the /healthz reason of a failing registration:
// ReasonRegistration, and what failed when err says it (HealthReasoner).
func registrationReason(err error) string {
	var hr HealthReasoner
	if errors.As(err, &hr) {
		if why := hr.HealthReason(); why != "" {
			return ReasonRegistration + ": " + why
		}
	}
	return ReasonRegistration
}

// ShuttingDownReason is the /healthz reason once a graceful stop began,
// with n injects in flight still awaited: "shutting down: waiting for 2
// injects in flight", or "shutting down" alone when none is. /healthz is
// 503 then (not ready: no message is taken any more), whatever else holds.
func ShuttingDownReason(n int) string {
	switch n {
	case 0:
		return "shutting down"
	case 1:
		return "shutting down: waiting for 1 inject in flight"
	}
	return fmt.Sprintf("shutting down: waiting for %d injects in flight", n)
}

// ConsumerCancelledReason is what follows ReasonBroker in the /healthz
// reason once the broker cancelled the consumer of queue (RabbitMQ's
// basic.cancel: the queue was deleted, or its leader moved to another
// node), until the next connection is made or fails: the daemon then
// closes the connection and consumes again.
func ConsumerCancelledReason(queue string) string {
	return "the broker cancelled the consumer of the queue " + queue + " (the queue deleted, or moved to another node); consuming it again"
}

// QueueMissingReason is the /healthz reason while the broker answers that
// queue, the one the registration names, does not exist (404 NOT_FOUND):
// the connection works, consuming does not.
func QueueMissingReason(queue string) string {
	return "the queue " + queue + " does not exist on the broker"
}

func (r *runner) health() Health {
	h := Health{BrokerConnected: r.connected.Load(), HeartbeatOK: r.heartbeatOK.Load(), Status: "unavailable"}
	h.TokenRefused, _ = r.auth.state()
	paused := r.pauseReason()
	h.Paused = paused != ""
	held, stuck := r.heldHealth(&h)
	switch {
	case r.ctx != nil && r.ctx.Err() != nil: // Run's context: the stop began
		r.jobsMu.Lock()
		n := len(r.jobs)
		r.jobsMu.Unlock()
		h.Reason = ShuttingDownReason(n)
	case h.TokenRefused:
		h.Reason = r.auth.why()
	case h.Paused:
		h.Reason = paused
	case stuck:
		h.Reason = held
	case !h.HeartbeatOK:
		h.Reason = ReasonRegistration
		if why := r.regFailure.Load(); why != nil {
			h.Reason = *why
		} else if r.lastBeat.Load() == 0 {
			h.Reason = ReasonStarting // no registration ended, no attempt failed
		}
	case !h.BrokerConnected:
		h.Reason = ReasonBroker
		if q := r.missingQueue.Load(); q != nil {
			h.Reason = QueueMissingReason(*q)
		} else if why := r.brokerErr.Load(); why != nil {
			h.Reason += ": " + *why // the last connection's failure
		}
	default:
		h.Status = "ok"
	}
	if held != "" && h.Reason != held {
		h.Warning = held
	}
	if ns := r.lastBeat.Load(); ns != 0 {
		h.LastHeartbeat = time.Unix(0, ns).UTC().Format(time.RFC3339)
	}
	return h
}

// mux serves /healthz (200 when the broker is connected, the last
// registration succeeded, the platform did not refuse the token since, no
// stop began and not every slot holds a result it cannot deliver nor
// store, 503 with the reason otherwise) and /metrics.
func (r *runner) mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		h := r.health()
		w.Header().Set("Content-Type", "application/json")
		if h.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
	// Uncompressed: redactedAnswers redacts the body as written.
	mux.Handle("GET /metrics", promhttp.HandlerFor(r.metrics.gatherer, promhttp.HandlerOpts{DisableCompression: true}))
	return mux
}

// serveHTTP starts the HTTP server, if one is configured, and returns its
// stop function.
func (r *runner) serveHTTP() (stop func(), err error) {
	ln := r.d.Listener
	if ln == nil {
		if r.d.ListenAddr == "" {
			return func() {}, nil
		}
		if ln, err = net.Listen("tcp", r.d.ListenAddr); err != nil {
			return nil, fmt.Errorf("listen on %s: %w", r.d.ListenAddr, err)
		}
	}
	// What the server itself reports (an Accept that failed, the process
	// out of file descriptors; a handler's panic) goes to the daemon's
	// log at WARN, in its format: Go's standard logger would write a
	// plain-text line on stderr among the JSON ones (--log-format json).
	errLog, err := zap.NewStdLogAt(r.log.With(zap.Stringer("addr", ln.Addr())), zap.WarnLevel)
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv := &http.Server{Handler: redactedAnswers(r.mux(), r.d.Secrets), ReadHeaderTimeout: 10 * time.Second, ErrorLog: errLog}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("health and metrics server stopped", zap.Error(err))
		}
	}()
	r.log.Info("serving /healthz and /metrics", zap.Stringer("addr", ln.Addr()))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}
