package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
	var mu sync.Mutex
	var held *http.Request // the first run's "complete", in flight
	// The redelivered run, the status read, reads the stored findings:
	// the first copy reaches the platform just before.
	replay := testkit.FaultProxy(t, e.platform.URL, 1, []byte(`"finding_field"`),
		func(w http.ResponseWriter, r *http.Request, forward http.Handler) {
			mu.Lock()
			first := held
			mu.Unlock()
			if first != nil {
				forward.ServeHTTP(httptest.NewRecorder(), first)
			}
			forward.ServeHTTP(w, r)
		})
	// In flight when the process died: the platform has not processed it
	// yet, and the run never learns of it.
	proxy := testkit.FaultProxy(t, replay.URL, 1, []byte(`"execution_action":"complete"`),
		func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			b, _ := io.ReadAll(r.Body)
			first := r.Clone(context.Background())
			first.Body = io.NopCloser(bytes.NewReader(b))
			mu.Lock()
			held = first
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
		})
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
