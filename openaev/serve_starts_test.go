package openaev_test

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestHandlerRecordsFirstStartWhileReceived checks that a first
// delivery's start is committed while its reception and trace are posted
// rather than before them (the waits overlap), and that the inject still
// runs only once its start is in the outbox. The outbox's clock holds the
// start's record until the platform has taken the trace: recorded before
// the reception, the start would wait for ever (here until guard); the
// run, not waiting for it, would find no start in the outbox.
func TestHandlerRecordsFirstStartWhileReceived(t *testing.T) {
	const guard = testkit.Hang // only ends a wait that never would
	traced := make(chan struct{})
	var tracedOnce sync.Once
	var held, gaveUp atomic.Bool
	now := func() time.Time {
		if calledFrom("outbox.(*Store).StartRun") && held.CompareAndSwap(false, true) {
			select {
			case <-traced:
			case <-time.After(guard):
				gaveUp.Store(true)
			}
		}
		return time.Now()
	}
	client := &http.Client{Transport: &afterTrace{then: func() { tracedOnce.Do(func() { close(traced) }) }}}
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, now: now, httpClient: client})
	var startedBeforeRun []outbox.StartedRun
	s.nmap.during = func() {
		var err error
		if startedBeforeRun, err = s.store.Starts(); err != nil {
			t.Errorf("starts read by the run: %v", err)
		}
	}
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled: %v", err)
	}
	if gaveUp.Load() {
		t.Errorf("the start's record waited %s for the reception and trace: it was made before them", guard)
	}
	if !held.Load() {
		t.Errorf("no start recorded")
	}
	if len(startedBeforeRun) != 1 || startedBeforeRun[0].InjectID != "i-1" {
		t.Errorf("starts in the outbox as the inject ran: %+v, want i-1's", startedBeforeRun)
	}
	if term, ok := s.platform.Terminal("i-1"); !ok || term.Body["execution_status"] != "SUCCESS" {
		t.Errorf("terminal %v, want SUCCESS", term.Body)
	}
}

// TestHandlerFirstStartEndsWithoutRun checks that a first delivery whose
// reception the platform does not take (nothing runs) returns only once
// its start, recorded meanwhile, is recorded and ended: the outbox
// closed right after the handling holds no start of it, and the inject
// did not run.
func TestHandlerFirstStartEndsWithoutRun(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
	}{
		{"reception refused for good", http.StatusBadRequest},
		{"reception failed", http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			s.platform.FailReception("i-1", tt.status, 100)
			ran := false
			s.nmap.during = func() { ran = true }
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err == nil {
				t.Fatalf("handled without error, want the reception's failure")
			}
			if ran {
				t.Errorf("the inject ran without its reception")
			}
			if err := s.store.Close(); err != nil {
				t.Fatalf("outbox closed: %v", err)
			}
			again, err := outbox.Open(s.store.Path(), outbox.Options{Shared: true})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if starts, err := again.Starts(); err != nil || len(starts) != 0 {
				t.Errorf("starts left in the outbox: %+v (%v), want none", starts, err)
			}
		})
	}
}

// TestHandlerFirstStartPanicIsTheHandlings is reviewer r18's finding: a
// first delivery's start is recorded in a goroutine of its own, outside
// the daemon's recover, so a panic there (here the outbox's clock
// panicking in StartRun) ended the process. It is now the handling's
// panic, raised again in the worker that HandleDelivery runs in, where
// the daemon recovers it: the wait for the record released, the inject
// not run, and the outbox left usable.
func TestHandlerFirstStartPanicIsTheHandlings(t *testing.T) {
	now := func() time.Time {
		if calledFrom("outbox.(*Store).StartRun") {
			panic("clock broken")
		}
		return time.Now()
	}
	s := newServeEnv(t, serveOpts{outbox: true, shared: true, now: now})
	ran := false
	s.nmap.during = func() { ran = true }
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	var raised any
	err := func() (err error) {
		defer func() { raised = recover() }()
		return s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	}()
	if e, ok := raised.(error); !ok || e.Error() != "recording the inject's start: clock broken" {
		t.Fatalf("HandleDelivery returned %v, raised %#v; want the start's panic raised in the worker", err, raised)
	}
	if ran {
		t.Error("the inject ran though its start was not recorded")
	}
	if _, err := s.store.Starts(); err != nil {
		t.Errorf("the outbox after the panic: %v", err)
	}
}

// calledFrom says whether a function whose name ends with name is among
// the caller's callers.
func calledFrom(name string) bool {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, name) {
			return true
		}
		if !more {
			return false
		}
	}
}

// afterTrace is a transport that calls then once the platform answered
// the first callback after a reception: the trace of a first delivery,
// posted before its run.
type afterTrace struct {
	then     func()
	received atomic.Bool
}

func (a *afterTrace) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	switch {
	case err != nil:
	case strings.HasPrefix(req.URL.Path, "/api/injects/execution/reception/"):
		a.received.Store(true)
	case a.received.Load() && strings.HasPrefix(req.URL.Path, "/api/injects/execution/callback/"):
		a.then()
	}
	return resp, err
}
