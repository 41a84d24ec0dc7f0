package openaev_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// completeGate passes the first "complete" callback to the platform and
// holds the next one, unanswered, until its request is cut short: a
// platform that stopped answering while the callback is retried.
type completeGate struct {
	mu    sync.Mutex
	seen  int
	held  chan struct{}
	once  sync.Once
	inner http.RoundTripper
}

func (g *completeGate) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Method == http.MethodPost {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"execution_action":"complete"`)) {
			g.mu.Lock()
			g.seen++
			hold := g.seen > 1
			g.mu.Unlock()
			if hold {
				g.once.Do(func() { close(g.held) })
				<-req.Context().Done()
				return nil, req.Context().Err()
			}
		}
	}
	return g.inner.RoundTrip(req)
}

// TestIntegrationServeShutdownAcksStoredComplete stops a daemon whose
// inject finished and whose "complete", stored in the outbox, is being
// retried while the platform does not answer: at the shutdown timeout the
// send is cut short, the message is acknowledged (its result durable),
// not returned to the queue for another daemon to run the inject again,
// and the stored body keeps the attempts made and the platform's last
// answer, as `outbox list` shows them.
func TestIntegrationServeShutdownAcksStoredComplete(t *testing.T) {
	broker, queue := integration(t)
	gate := &completeGate{held: make(chan struct{}), inner: http.DefaultTransport}
	s := newServeEnv(t, serveOpts{outbox: true, httpClient: &http.Client{Transport: gate}})
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 1)
	d, _ := s.daemon(t, broker, queue)
	d.ShutdownTimeout = 50 * time.Millisecond
	r := testkit.Go(t, "Run", d.Run)
	servetest.Publish(t, queue, s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil))
	select {
	case <-gate.held:
	case <-r.Exited():
		t.Fatal("Run returned before the complete was retried")
	}
	if err := r.Stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages back in the queue, want 0: the result is kept in the outbox", ready)
	}
	if n := servetest.Metric(t, s.prom, "injectkit_messages_total", "outcome", "acked"); n != 1 {
		t.Errorf("acked = %v, want 1", n)
	}
	recs, err := s.store.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].InjectID != "i-1" || recs[0].State != outbox.Pending {
		t.Fatalf("outbox holds %v, want the pending complete of i-1", recs)
	}
	if rec := recs[0]; rec.Attempts < 2 || !strings.Contains(rec.LastError, "503") {
		t.Errorf("stored complete: %d attempts, last error %q; want the 2 made and the platform's 503", rec.Attempts, rec.LastError)
	}
	lines := s.logs.FilterMessageSnippet("shutdown timeout: acknowledged").All()
	if len(lines) != 1 || fmt.Sprint(lines[0].ContextMap()["inject_ids"]) != "[i-1]" {
		t.Errorf("shutdown logged %v, want one line acknowledging i-1", lines)
	}
	if n := s.logs.FilterMessageSnippet("requeued").Len(); n != 0 {
		t.Errorf("%d lines say a message was requeued", n)
	}
}
