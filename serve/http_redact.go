package serve

import (
	"bytes"
	"io"
	"net/http"

	"github.com/injectkit/injectkit/internal/httpx"
)

// redactedAnswers returns h answering with its body redacted of the
// daemon's secrets (Daemon.Secrets: what its log lines are redacted of),
// in every form httpx.Redact knows. /healthz quotes the innermost cause of
// a failed registration (an APIError's HealthReason) and the broker's
// texts; whatever they hold, the daemon's HTTP answers show no more of a
// secret than its log does. Without secrets, h is returned as it is.
//
// The body is written once h returned, whole: /healthz and /metrics are
// small, and a secret cut between two writes would otherwise pass. h must
// not compress its answer (promhttp's DisableCompression): a compressed
// body cannot be redacted.
func redactedAnswers(h http.Handler, secrets []string) http.Handler {
	if len(secrets) == 0 {
		return h
	}
	red := httpx.NewRedactor(secrets...)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &heldAnswer{header: w.Header(), status: http.StatusOK}
		h.ServeHTTP(rec, req)
		w.Header().Del("Content-Length") // the redacted body's length differs
		w.WriteHeader(rec.status)
		_, _ = io.WriteString(w, red.Redact(rec.body.String()))
	})
}

// heldAnswer is an answer kept until its handler returned: its header
// is the real writer's, its status and body are held.
type heldAnswer struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (a *heldAnswer) Header() http.Header { return a.header }

func (a *heldAnswer) WriteHeader(status int) {
	if !a.wrote {
		a.status, a.wrote = status, true
	}
}

func (a *heldAnswer) Write(p []byte) (int, error) {
	a.wrote = true
	return a.body.Write(p)
}
