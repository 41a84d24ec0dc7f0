package transport

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/signatures"
)

// recorded is one request a test server received.
type recorded struct {
	Method  string
	Path    string // escaped path as sent
	Header  http.Header
	Body    []byte
	At      time.Time
	Chunked bool // Transfer-Encoding chunked rather than Content-Length
}

// backend is a loopback HTTP server recording every request and answering
// with respond (the n-th request counts from 0).
type backend struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []recorded
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newBackend(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *backend {
	t.Helper()
	b := &backend{respond: respond}
	b.Server = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	n := len(b.reqs)
	b.reqs = append(b.reqs, recorded{Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone(),
		Body: body, At: time.Now(), Chunked: len(r.TransferEncoding) > 0})
	b.mu.Unlock()
	if b.respond == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	b.respond(n, w, r)
}

func (b *backend) requests() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.reqs...)
}

// status answers every request with code and body.
func status(code int, body string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.DebugLevel)
	return zap.New(core), logs
}

// netTarget builds a grouped target as BuildPayload does.
func netTarget(i int, types ...signatures.ExpectationType) signatures.PayloadTarget {
	vals := []signatures.Value{
		{SignatureType: "source_ipv4", SignatureValue: "127.0.0.1"},
		{SignatureType: "target_ipv4", SignatureValue: fmt.Sprintf("127.0.%d.%d", i/250%250, i%250+1)},
		{SignatureType: "start_time", SignatureValue: "2026-11-27T00:00:00Z"},
		{SignatureType: "end_time", SignatureValue: "2026-11-27T00:00:05Z"},
		{SignatureType: "execution_status", SignatureValue: "success"},
	}
	t := signatures.PayloadTarget{SignatureTarget: signatures.Target{Asset: fmt.Sprintf("asset-%d", i)}}
	for _, et := range types {
		t.SignatureValues = append(t.SignatureValues, signatures.ValueGroup{ExpectationType: et, Values: vals})
	}
	return t
}

func payloadOf(n int) signatures.Payload {
	p := signatures.Payload{Targets: make([]signatures.PayloadTarget, n)}
	for i := range p.Targets {
		p.Targets[i] = netTarget(i, signatures.Detection, signatures.Prevention)
	}
	return p
}

// wireBody is a body decoded with its top level kept raw.
type wireBody struct {
	keys    []string
	Phase   string
	Targets []json.RawMessage
	Index   *int
	Total   *int
}

func decodeBody(t *testing.T, b []byte) wireBody {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, b)
	}
	var w wireBody
	for k := range top {
		w.keys = append(w.keys, k)
	}
	var es struct {
		Targets []json.RawMessage `json:"targets"`
	}
	mustUnmarshal(t, top["phase"], &w.Phase)
	mustUnmarshal(t, top["expectation_signature"], &es)
	w.Targets = es.Targets
	if raw, ok := top["chunk_index"]; ok {
		w.Index = new(int)
		mustUnmarshal(t, raw, w.Index)
	}
	if raw, ok := top["total_chunks"]; ok {
		w.Total = new(int)
		mustUnmarshal(t, raw, w.Total)
	}
	return w
}

func mustUnmarshal(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
