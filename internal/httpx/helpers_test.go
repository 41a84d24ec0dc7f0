package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// step is one scripted answer of a test server.
type step struct {
	status int
	header http.Header
	body   string
}

// seen is one request a test server received.
type seen struct {
	method string
	header http.Header
	body   string
}

// server answers its steps in order, then 200 "done" to any further
// request, recording every request.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	steps []step
	reqs  []seen
}

func newServer(t *testing.T, steps ...step) *server {
	t.Helper()
	s := &server{steps: steps}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, seen{method: r.Method, header: r.Header.Clone(), body: string(b)})
		s.mu.Unlock()
		if n >= len(s.steps) {
			_, _ = io.WriteString(w, "done")
			return
		}
		st := s.steps[n]
		for k, vs := range st.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(st.status)
		_, _ = io.WriteString(w, st.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

// times returns n steps answering status.
func times(n, status int, body string) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = step{status: status, body: body}
	}
	return out
}

type observerEntry = observer.LoggedEntry

func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}
