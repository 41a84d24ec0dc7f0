package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The daemon's outbox: the terminal callback of every inject is stored
// before its first attempt and removed after the platform's 2xx, so a
// platform outage never loses a result and the queue message can be
// acknowledged once the result is durable.

// Outbox record fields of a terminal callback of the openaev profile.
const (
	openaevProfile = "openaev"
	openaevPhase   = "complete" // the callback's execution_action
)

// resendKey marks the context of a resend from the outbox: its request is
// not stored again.
type resendKey struct{}

// durableCallbacks is the platform client's round tripper that stores each
// terminal callback body in the outbox before the request goes out (once
// per inject: the client's retries find it stored) and removes it on a
// 2xx. A body the outbox refuses (full, corrupt) fails the request loudly
// without sending it.
type durableCallbacks struct {
	next  http.RoundTripper
	store *outbox.Store
	base  string // the platform URL

	mu   sync.Mutex
	held map[string]outbox.Record // inject id → its stored terminal body, not yet settled
}

func newDurableCallbacks(next http.RoundTripper, store *outbox.Store, base string) *durableCallbacks {
	return &durableCallbacks{next: next, store: store, base: strings.TrimRight(base, "/"), held: map[string]outbox.Record{}}
}

func (d *durableCallbacks) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Context().Value(resendKey{}) != nil {
		return d.next.RoundTrip(req)
	}
	kind, id := callbackPath(req.URL.EscapedPath())
	if kind != "callback" || !isTerminal(req) {
		return d.next.RoundTrip(req)
	}
	rec, err := d.keep(id, req)
	if err != nil {
		return nil, fmt.Errorf("inject %s: terminal callback not sent: %w", id, err)
	}
	resp, err := d.next.RoundTrip(req)
	if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		d.mu.Lock()
		delete(d.held, id)
		d.mu.Unlock()
		// Removal failure leaves a body the platform already has; its
		// resend carries the same Idempotency-Key.
		_ = d.store.Delete(rec.ID)
	}
	return resp, err
}

// keep stores the terminal body of inject id, unless this very body is
// already stored (a retry of the same request).
func (d *durableCallbacks) keep(id string, req *http.Request) (outbox.Record, error) {
	rc, err := req.GetBody()
	if err != nil {
		return outbox.Record{}, err
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return outbox.Record{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.held[id]; ok && r.Size == len(body) && string(r.Body) == string(body) {
		return r, nil
	}
	path := strings.TrimPrefix(req.URL.EscapedPath(), pathOf(d.base))
	recs, err := d.store.Put(outbox.Entry{InjectID: id, Phase: openaevPhase, TotalChunks: 1, BaseURL: d.base,
		Body: body, Profile: openaevProfile, Path: path})
	if err != nil {
		return outbox.Record{}, err
	}
	d.held[id] = recs[0]
	return recs[0], nil
}

// settle records how the terminal callback of inject id ended once its
// processing returned with err. kept is false when no body of the inject
// waits in the outbox (none was attempted, or it was delivered).
func (d *durableCallbacks) settle(ctx context.Context, id string, err error) (out outbox.Outcome, kept bool) {
	d.mu.Lock()
	r, ok := d.held[id]
	delete(d.held, id)
	d.mu.Unlock()
	if !ok {
		return outbox.Delivered, false
	}
	// Settle's error is err itself, joined with a store error if the record
	// could not be updated: it stays pending either way.
	out, _ = d.store.Settle(ctx, r, err, 0)
	return out, out != outbox.Delivered
}

// waiting reports whether a terminal callback of inject id already waits in
// the outbox: its message is a redelivery after the consumer that ran it
// stopped, and the result will be resent from the outbox.
func (d *durableCallbacks) waiting(id string) bool {
	recs, err := d.store.List()
	if err != nil {
		return false
	}
	for _, r := range recs {
		if r.Profile == openaevProfile && r.InjectID == id && r.State == outbox.Pending {
			return true
		}
	}
	return false
}

func pathOf(base string) string {
	if i := strings.Index(base, "://"); i >= 0 {
		if j := strings.IndexByte(base[i+3:], '/'); j >= 0 {
			return base[i+3+j:]
		}
	}
	return ""
}

// openaevPoster resends a stored terminal callback through the platform
// client: the body decodes to the Execution it was encoded from, and
// encodes back to the same bytes.
type openaevPoster struct{ client *openaev.Client }

func (p openaevPoster) PostBody(ctx context.Context, injectID string, _ int, body []byte) error {
	var e openaev.Execution
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("stored terminal callback of inject %s is not an execution: %w", injectID, err)
	}
	return p.client.Callback(context.WithValue(ctx, resendKey{}, true), injectID, e)
}

// startResender resends the stored terminal callbacks in the background
// until the returned stop is called.
func startResender(ctx context.Context, store *outbox.Store, client *openaev.Client, wake <-chan struct{}, log *zap.Logger) (stop func()) {
	rs := &outbox.Resender{Store: store, Log: log, Wake: wake,
		Select: func(r outbox.Record) bool { return r.Profile == openaevProfile },
		Client: func(string) (outbox.Poster, error) { return openaevPoster{client: client}, nil }}
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
