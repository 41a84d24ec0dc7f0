package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// TestRedeliveredWhileRunningWaitsForTheRun: the broker delivers a message
// again when the channel of its run closes, maybe to the same process,
// whose run goes on. That redelivery does not run the inject a second time:
// it waits for the run in flight and ends with its outcome, so the platform
// sees one run and at most one completion. The serve Handler logs only
// that wait, never that it runs the inject.
func TestRedeliveredWhileRunningWaitsForTheRun(t *testing.T) {
	tests := []struct {
		name           string
		failComplete   int // 503s for the run's "complete" (4 exhaust its attempts)
		wantErr        error
		wantCompletion int
	}{
		{"the run delivers: the redelivery is done", 0, nil, 1},
		{"the run's callback fails: the redelivery fails alike", 4, openaev.ErrRetriesExhausted, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.nmap.block = true // runs until its context ends
			body := e.message(t, "i-twin", "nmap", map[string]any{"target_selector": "manual", "targets": "192.0.2.1"}, nil, nil)
			if tt.failComplete > 0 {
				e.platform.FailComplete("i-twin", http.StatusServiceUnavailable, tt.failComplete)
			}
			runCtx, stopRun := context.WithCancel(context.Background())
			defer stopRun()
			first := make(chan error, 1)
			go func() { first <- e.proc.Process(runCtx, body) }()
			testkit.WaitFor(t, 10*time.Second, "the first run executing", func() bool { return e.nmap.calls.Load() == 1 })

			second := make(chan error, 1)
			h := openaev.NewHandler(openaev.HandlerConfig{Processor: e.proc, Log: e.log})
			go func() {
				second <- h.HandleDelivery(context.Background(), serve.Delivery{Body: body, Redelivered: true})
			}()
			testkit.WaitFor(t, 10*time.Second, "the redelivery waiting", func() bool {
				return e.logs.FilterMessageSnippet("waiting for that run").Len() == 1
			})
			stopRun() // the run ends, reported as timed out

			errFirst, errSecond := <-first, <-second
			if !errors.Is(errFirst, tt.wantErr) || tt.wantErr == nil && errFirst != nil {
				t.Errorf("first run: %v, want %v", errFirst, tt.wantErr)
			}
			if errSecond != errFirst {
				t.Errorf("redelivery: %v, want the run's outcome %v", errSecond, errFirst)
			}
			if n := e.nmap.calls.Load(); n != 1 {
				t.Errorf("the inject ran %d times, want 1", n)
			}
			if running := e.logs.FilterMessageSnippet("running it"); running.Len() != 0 {
				t.Errorf("the redelivery that waited logged %q", running.All()[0].Message)
			}
			if n := len(e.platform.Completions("i-twin")); n != tt.wantCompletion {
				t.Errorf("%d completions, want %d", n, tt.wantCompletion)
			}
		})
	}
}

// TestSecondCopyWaitsForTheFirst is tester t62's case, as tester t99's
// finding 1 settles it: two deliveries of one inject, neither with the
// broker's redelivered flag, reach one daemon at once. RabbitMQ may leave
// the flag unset on a copy it sends again (AMQP 0-9-1: a client must not
// rely on it), so a message of an inject whose handling is in flight here
// is one sent again: the second waits for the first's handling and takes
// its outcome, the inject run once, the platform seeing one reception and
// one complete; nothing says the inject runs again.
func TestSecondCopyWaitsForTheFirst(t *testing.T) {
	for _, outboxed := range []bool{false, true} {
		t.Run(map[bool]string{false: "no outbox", true: "outbox"}[outboxed], func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: outboxed})
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			started, release := s.nmap.holdNextRun()
			handle := func(errs chan<- error) {
				errs <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
			}
			first, second := make(chan error, 1), make(chan error, 1)
			go handle(first)
			<-started
			go handle(second)
			testkit.WaitFor(t, 10*time.Second, "the second copy waiting", func() bool {
				return s.logs.FilterMessageSnippet("waiting for that run, whose outcome settles it").Len() == 1
			})
			release()
			if err := <-first; err != nil {
				t.Errorf("first copy: %v", err)
			}
			if err := <-second; err != nil {
				t.Errorf("second copy: %v", err)
			}
			var kinds []string
			for _, c := range s.platform.Calls("i-1") {
				if c.Kind == openaevtest.KindReception || c.Kind == openaevtest.KindComplete {
					kinds = append(kinds, c.Kind)
				}
			}
			want := []string{openaevtest.KindReception, openaevtest.KindComplete}
			if !slices.Equal(kinds, want) {
				t.Errorf("platform got %v, want %v: one run", kinds, want)
			}
			if n := s.nmap.calls.Load(); n != 1 {
				t.Errorf("nmap ran %d times, want 1", n)
			}
			for _, c := range s.platform.Dropped() {
				t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
			}
			if st := s.platform.InjectStatus("i-1"); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if lines := s.logs.FilterMessageSnippet("running it"); lines.Len() != 0 {
				t.Errorf("line %q: the copy runs nothing", lines.All()[0].Message)
			}
		})
	}
}
