package openaev_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// cutComplete is a transport that forwards the first "complete" to the
// platform (taken: a platform that queues its callbacks answers 200) and,
// before the answer is read, calls cut (the daemon's shutdown abandoning
// the sends in flight), then returns the attempt's end: the attempt is cut
// short in flight, once connected.
type cutComplete struct {
	cut  func()
	done atomic.Bool
}

func (c *cutComplete) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte(`"execution_action":"complete"`)) && c.done.CompareAndSwap(false, true) {
			if resp, err := http.DefaultTransport.RoundTrip(r); err == nil {
				resp.Body.Close()
			}
			c.cut()
			<-r.Context().Done()
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestCompleteCutInFlightNoted is reviewer r15's first case: a "complete"
// the platform took, its attempt cut short in flight by the daemon's
// shutdown before the answer came, is noted as one the platform may hold:
// a flush within the ingestion window sends it no second time (2.4.0 would
// drop the second with its whole batch, its findings stored already);
// after the platform's worker ran, the inject is completed once.
func TestCompleteCutInFlightNoted(t *testing.T) {
	const id, window = "i-cut", 30 * time.Second
	clock := newWindowClock()
	tr := &cutComplete{}
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, httpClient: &http.Client{Transport: tr},
		window: window, now: clock.Now})
	tr.cut = s.handler.Abandon
	if err := s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2)); err == nil {
		t.Fatal("run: delivered, want the complete cut short and kept")
	}
	if _, ok := s.proc.RecentComplete(id); !ok {
		t.Error("RecentComplete: no note of the complete cut short in flight")
	}
	clock.Add(5 * time.Second)
	rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
	if _, err := rs.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := completeCalls(s.platform, id); got != 1 {
		t.Errorf("the platform received %d completes within the window, want 1 (the one cut short)", got)
	}
	for range 6 {
		s.platform.Ingest()
	}
	checkTakenOnce(t, s.platform, id)
	for _, c := range s.platform.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}
