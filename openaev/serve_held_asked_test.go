package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
)

// asking answers the platform's "complete" callbacks for it: the first
// plain ones 503 without a Retry-After, the next asking ones 503 with
// Retry-After: 3600 (a platform in maintenance), then it forwards.
type asking struct {
	next          http.RoundTripper
	plain, asking int32
	seen          atomic.Int32 // the completes seen
}

func (a *asking) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.Contains(req.URL.Path, "/injects/execution/callback/") || req.Body == nil {
		return a.next.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte(`"execution_action":"`+openaev.ActionComplete+`"`)) {
		return a.next.RoundTrip(req)
	}
	n := a.seen.Add(1)
	if n > a.plain+a.asking {
		return a.next.RoundTrip(req)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if n > a.plain {
		h.Set("Retry-After", "3600")
	}
	return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable", Header: h,
		Body: io.NopCloser(strings.NewReader(`{"message":"maintenance"}`)), Request: req}, nil
}

// TestHandlerHeldResultKeepsToTheRetryAfterAsked: a result held in
// memory (no outbox) whose platform answers 503 with Retry-After: 3600
// is tried again once the wait asked has passed (at most MaxAskedWait,
// 10 minutes by default), each try one request: the answer asking ends
// it. A try waited 30 s into the same answer and tried again (a try's
// attempts), and the next try came after the backoff (1 s doubling to a
// minute): against the built CLI, 6 POSTs in 2.5 minutes against a
// platform asking an hour.
func TestHandlerHeldResultKeepsToTheRetryAfterAsked(t *testing.T) {
	tr := &asking{next: http.DefaultTransport, plain: 2, asking: 2} // the first delivery's 2 attempts (newServeEnv), then 2 tries
	s := newServeEnv(t, serveOpts{httpClient: &http.Client{Transport: tr}})
	const most = 50 * time.Millisecond
	s.handler = openaev.NewHandler(openaev.HandlerConfig{Processor: s.proc, RetryWait: time.Millisecond, MaxAskedWait: most,
		Metrics: s.metrics, Log: s.log})
	body := nmapAssetsMessage(t, s.env, "i-1", 2)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("settled with %v, want acknowledged", err)
	}
	if got, want := tr.seen.Load(), tr.plain+tr.asking+1; got != want {
		t.Errorf("%d completes posted, want %d: one a try once the platform asked a wait", got, want)
	}
	for _, l := range s.logs.FilterMessage("request failed, retrying").All() {
		if asked, _ := l.ContextMap()["retry_after"].(string); strings.Contains(asked, "asked 3600s") {
			t.Errorf("a try waited into the Retry-After: %v", l.ContextMap())
		}
	}
	tries := s.logs.FilterMessageSnippet("terminal callback still not delivered").All()
	if len(tries) != int(tr.asking) {
		t.Fatalf("%d tries said, want %d", len(tries), tr.asking)
	}
	for _, l := range tries {
		if got := l.ContextMap()["retry_in"]; got != most {
			t.Errorf("a try asked to wait an hour is tried again in %v, want %v (MaxAskedWait)", got, most)
		}
	}
	checkTakenOnce(t, s.platform, "i-1")
}
