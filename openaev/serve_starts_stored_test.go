package openaev_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerStartEndsOnceTheResultIsStored: once an inject's result is
// stored its message is acknowledged (serve.Stored), and its start's
// record, which counts the runs a process ended, must end then too. It
// ended only once the handling returned, its "complete" posted: a daemon
// killed meanwhile (the platform slow, or down and the tries going on)
// left a start the outbox called a run ended unfinished ("one more and a
// redelivery … is answered ERROR") for an inject that finished, its
// result stored and sent. The start must be gone while the "complete" is
// still being posted.
func TestHandlerStartEndsOnceTheResultIsStored(t *testing.T) {
	var startsAtComplete atomic.Pointer[[]outbox.StartedRun]
	var s *serveEnv
	client := &http.Client{Transport: &atComplete{then: func() {
		var left []outbox.StartedRun
		ended := func() bool {
			var err error
			left, err = s.store.Starts()
			return err == nil && len(left) == 0
		}
		// The record's removal is committed in the background (see
		// outbox.Run.End): waited for, up to 10 s.
		for deadline := time.Now().Add(10 * time.Second); !ended() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		startsAtComplete.Store(&left)
	}}}
	s = newServeEnv(t, serveOpts{outbox: true, shared: true, httpClient: client})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled: %v", err)
	}
	left := startsAtComplete.Load()
	if left == nil {
		t.Fatal("no complete posted")
	}
	if len(*left) != 0 {
		t.Errorf("starts in the outbox while the stored complete was posted: %+v, want none (the result stored)", *left)
	}
	if term, ok := s.platform.Terminal("i-1"); !ok || term.Body["execution_status"] != "SUCCESS" {
		t.Errorf("terminal %v, want SUCCESS", term.Body)
	}
}

// atComplete is a transport that calls then before it posts the first
// "complete" callback.
type atComplete struct {
	then func()
	done atomic.Bool
}

func (a *atComplete) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil && strings.HasPrefix(req.URL.Path, "/api/injects/execution/callback/") && !a.done.Load() {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte(`"execution_action":"complete"`)) && a.done.CompareAndSwap(false, true) {
			a.then()
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}
