package openaev_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// slowComplete is a transport whose "complete" callbacks take answer on
// the test's clock: the platform answers them that long after they were
// sent.
type slowComplete struct {
	clock  *testkit.Clock
	answer time.Duration
}

func (s slowComplete) RoundTrip(r *http.Request) (*http.Response, error) {
	complete, err := isComplete(r)
	if err != nil {
		return nil, err
	}
	if complete {
		resp, err := http.DefaultTransport.RoundTrip(r)
		s.clock.Add(s.answer)
		return resp, err
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestIngestWindowSentAgoFromTheAttemptsStart: how long ago a complete
// was sent, which the line of a second message of its inject gives
// (sent_ago), runs from the start of its attempt, not from its answer;
// the window still runs from the answer (the platform may have queued it
// as late as that): 29 s after an answer that took 20 s, the message is
// held still, sent 49 s ago.
func TestIngestWindowSentAgoFromTheAttemptsStart(t *testing.T) {
	const id, window, answer = "i-slow", 30 * time.Second, 20 * time.Second
	clock := newWindowClock()
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop",
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, httpClient: &http.Client{Transport: slowComplete{clock, answer}},
		window: window, now: clock.Now})
	msg := nmapAssetsMessage(t, s.env, id, 1)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
		t.Fatalf("first: %v", err)
	}
	for _, after := range []time.Duration{0, window - time.Second} {
		clock.Add(after)
		if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
			t.Fatalf("again: settled with %v, want acknowledged", err)
		}
		lines := s.logs.FilterMessageSnippet("within the platform's ingestion window").All()
		if len(lines) == 0 {
			t.Fatalf("%s after the answer: the message was not held for the ingestion window", after)
		}
		got := lines[len(lines)-1].ContextMap()["sent_ago"]
		if want := answer + after; got != want {
			t.Errorf("%s after the answer: sent_ago %v, want %v (from the attempt's start)", after, got, want)
		}
	}
	if n := len(s.platform.Receptions(id)); n != 1 {
		t.Errorf("%d receptions, want the first run's only", n)
	}
}
