package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRedeliveredRunLeavesOutStoredFindings: two runs of one inject (a
// kill -9 while the first run's "complete" was in flight, the message
// redelivered). The platform processes the first copy after the
// redelivered run read the inject's status (PENDING) but before that
// run's "complete": the redelivered run reads the stored findings before
// its first attempt, leaves the copy's out, and the platform processes its
// "complete" rather than dropping it as a repeated finding.
func TestRedeliveredRunLeavesOutStoredFindings(t *testing.T) {
	const id = "inj-redelivered"
	e := newEnv(t)
	forward := testkit.ReverseProxy(t, e.platform.URL)
	var mu sync.Mutex
	var held []byte // the first run's "complete", in flight
	var heldPath string
	var heldHeader http.Header
	statusPath := "/injects/" + id
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		mu.Lock()
		defer mu.Unlock()
		if r.Method == http.MethodPost && bytes.Contains(b, []byte(`"execution_action":"complete"`)) && held == nil {
			// In flight when the process died: the platform has not
			// processed it yet, and the run never learns of it.
			held, heldPath, heldHeader = b, r.URL.Path, r.Header.Clone()
			w.WriteHeader(http.StatusOK)
			return
		}
		forward.ServeHTTP(w, r)
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, statusPath) && len(held) > 0 {
			// The redelivered run read the status: the first copy is
			// processed now, before its "complete".
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, e.platform.URL+heldPath, bytes.NewReader(held))
			req.Header = heldHeader
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			held = []byte{}
		}
	}))
	t.Cleanup(proxy.Close)
	e.throughProxy(t, proxy.URL)
	body := e.message(t, id, "noop", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
	ctx := context.Background()
	if err := e.proc.Process(ctx, body); err != nil {
		t.Fatal(err)
	}
	if n := len(e.platform.StoredFindings(id)); n != 0 {
		t.Fatalf("%d findings stored before the first copy was processed", n)
	}
	if err := e.proc.Process(openaev.Redelivered(ctx), body); err != nil {
		t.Fatal(err)
	}
	var completes []openaevtest.Call
	for _, call := range e.platform.Calls(id) {
		if call.Kind == openaevtest.KindComplete {
			completes = append(completes, call)
		}
	}
	if len(completes) != 2 {
		t.Fatalf("%d completes reached the platform, want 2 (the first run's copy, the redelivered run's)", len(completes))
	}
	for i, call := range completes {
		if !call.Processed() {
			t.Errorf("complete %d %s: %s", i+1, call.Outcome, call.Reason)
		}
	}
	if st := e.platform.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s, want a final status", st)
	}
	if n := len(e.platform.StoredFindings(id)); n != 1 {
		t.Errorf("%d findings stored, want noop's summary once", n)
	}
}
