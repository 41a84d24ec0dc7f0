package openaev_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// msgSwept is the WARN of a "complete" sent to an inject the platform
// finalized without a result.
const msgSwept = "the platform finalized the inject without a result"

// sweepAt is a transport that has the platform run its pending sweep
// (openaevtest's rule 17, as 2.4.0's InjectsExecutionJob does past the
// threshold) once, at a request of the run: after the platform answered
// the reception (atReception), or at the first "complete", answered 503
// (not taken) or, with lose, forwarded and its answer lost. Every other
// request goes through.
type sweepAt struct {
	platform    func() *openaevtest.Platform
	atReception bool
	lose        bool
	fired       atomic.Bool
}

func (s *sweepAt) sweep() {
	s.platform().SweepPending(time.Now().Add(s.platform().PendingThreshold() + time.Minute))
}

func (s *sweepAt) RoundTrip(r *http.Request) (*http.Response, error) {
	complete, err := isComplete(r)
	if err != nil {
		return nil, err
	}
	switch {
	case s.atReception && strings.Contains(r.URL.Path, "/execution/reception/") && s.fired.CompareAndSwap(false, true):
		resp, err := http.DefaultTransport.RoundTrip(r)
		s.sweep()
		return resp, err
	case !s.atReception && complete && s.fired.CompareAndSwap(false, true):
		if !s.lose {
			s.sweep()
			return answer(r, http.StatusServiceUnavailable, `{}`), nil
		}
		if resp, err := http.DefaultTransport.RoundTrip(r); err == nil {
			resp.Body.Close()
		}
		s.sweep()
		return nil, answerLost(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestSweptInjectGetsItsResult is tester t97's data loss: OpenAEV 2.4.0
// finalizes an inject still PENDING ten minutes after its dispatch
// (ERROR, no complete trace), and saves a "complete" sent afterwards
// (requeued, then saved). A final status without an injector's COMPLETE
// trace is no run's: the "complete" is sent on each of the four paths
// that asked the platform first — a retry, the twin check of a
// redelivered or ack-lost run, an outbox resend, serve's redelivered
// message (run, not acknowledged unrun) — with one WARN saying so, and
// the platform stores the result once.
func TestSweptInjectGetsItsResult(t *testing.T) {
	const id = "i-lost"
	alive := func() bool { return false }
	closed := func() bool { return true }
	tests := []struct {
		name   string
		sweep  *sweepAt
		outbox bool
		agents []openaevtest.Agent
		// handle runs the inject as the path under test does.
		handle func(t *testing.T, s *serveEnv, msg []byte)
		want   string // the inject's status at the end
		said   string // the log line of the path
	}{
		{"a retry after a 503 finds the inject swept", &sweepAt{}, false, nil, func(t *testing.T, s *serveEnv, msg []byte) {
			if err := s.proc.Process(openaev.AckLost(context.Background(), alive), msg); err != nil {
				t.Fatalf("run: %v", err)
			}
		}, "PARTIAL", msgSwept}, // its EXECUTED beside the sweep's agentless TIMEOUT
		{"a redelivered run's twin check finds the inject swept", &sweepAt{atReception: true}, false, nil,
			func(t *testing.T, s *serveEnv, msg []byte) {
				if err := s.proc.Process(openaev.Redelivered(context.Background()), msg); err != nil {
					t.Fatalf("run: %v", err)
				}
			}, "PARTIAL", msgSwept},
		{"an ack-lost run's twin check finds the inject swept, agents timed out", &sweepAt{atReception: true}, false,
			[]openaevtest.Agent{{ID: "ag1", ExecutedByUser: "root"}}, func(t *testing.T, s *serveEnv, msg []byte) {
				if err := s.proc.Process(openaev.AckLost(context.Background(), closed), msg); err != nil {
					t.Fatalf("run: %v", err)
				}
			}, "PARTIAL", msgSwept},
		{"an outbox resend finds the inject swept", nil, true, nil, func(t *testing.T, s *serveEnv, msg []byte) {
			keep(t, s, msg)
			s.platform.SweepPending(time.Now().Add(11 * time.Minute))
			flush(t, s)
		}, "PARTIAL", msgSwept},
		{"serve runs a redelivered message of a swept inject", nil, true, nil, func(t *testing.T, s *serveEnv, msg []byte) {
			// The process that received it died before its complete.
			if _, err := s.client.Reception(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			s.platform.SweepPending(time.Now().Add(11 * time.Minute))
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: true}); err != nil {
				t.Fatalf("redelivery: %v", err)
			}
		}, "PARTIAL", "redelivered message of an inject the platform finalized without a result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *serveEnv
			o := serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: tt.outbox}
			if tt.sweep != nil {
				tt.sweep.platform = func() *openaevtest.Platform { return s.platform }
				o.httpClient = &http.Client{Transport: tt.sweep}
			}
			s = newServeEnv(t, o)
			msg := nmapAssetsMessage(t, s.env, id, 2)
			s.platform.SetInjectAgents(id, tt.agents...)
			tt.handle(t, s, msg)
			if tt.sweep != nil && !tt.sweep.fired.Load() {
				t.Fatal("the platform's sweep never ran")
			}
			checkTakenOnce(t, s.platform, id)
			if st := s.platform.InjectStatus(id); st != tt.want {
				t.Errorf("inject %s, want %s (the result's status with the sweep's traces)", st, tt.want)
			}
			noneDropped(t, s.platform)
			if n := s.logs.FilterMessageSnippet(tt.said).Len(); n != 1 {
				t.Errorf("%d log lines %q, want 1", n, tt.said)
			}
			if n := s.logs.FilterMessageSnippet("superseded").Len(); n != 0 {
				t.Errorf("%d lines saying the complete was superseded", n)
			}
			if tt.outbox {
				if got := s.records(t); got[outbox.Pending] != 0 {
					t.Errorf("outbox %v, want empty", got)
				}
			}
		})
	}
}

// TestSweptInjectWaitsForTheIngestWindow: a "complete" whose attempt got
// no answer may sit in the platform's queue, and, the inject swept
// meanwhile, be requeued before it is saved: a final status without an
// injector's COMPLETE trace proves nothing about it within the ingestion
// window, as an unfinished one does not. The retry is not sent; the
// platform saves the first one after its requeues, and the flush finds it
// taken: the result stored once.
func TestSweptInjectWaitsForTheIngestWindow(t *testing.T) {
	const id = "i-window"
	clock := newWindowClock()
	s := sweptEnv(t, 30*time.Second, clock)
	_ = s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2))
	if got, _ := completeCalls(s.platform, id); got != 1 || s.records(t)[outbox.Pending] != 1 {
		t.Fatalf("the platform received %d completes, want 1 (no retry within the window); outbox %v", got, s.records(t))
	}
	if st := s.platform.InjectStatus(id); st != "ERROR" {
		t.Fatalf("inject %s, want it swept (ERROR)", st)
	}
	for range 6 { // the platform's worker: requeued five times, then saved
		s.platform.Ingest()
	}
	flush(t, s)
	checkTakenOnce(t, s.platform, id)
	// The current line's sweep gave the agentless inject a TIMEOUT trace.
	if st := s.platform.InjectStatus(id); st != "PARTIAL" {
		t.Errorf("inject %s, want PARTIAL: its EXECUTED beside the sweep's TIMEOUT", st)
	}
}

// TestSweptInjectWaitsForThePlatformsRequeues is tester t98's repro A:
// the "complete" whose answer was lost reached the queue of a platform
// that finalized the inject meanwhile, and 2.4.0 requeues it five times,
// 15 s apart (each then taken at the worker's next turn), before it saves
// it: longer than the ingestion window. A flush past the window finds the
// inject still finalized without a result, but sends nothing until the
// requeue span after the window has passed too, by when the platform
// shows the first one taken: the result stored once, no batch dropped.
func TestSweptInjectWaitsForThePlatformsRequeues(t *testing.T) {
	const id, window = "i-requeued", 30 * time.Second
	clock := newWindowClock()
	s := sweptEnv(t, window, clock)
	_ = s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2))
	if got, _ := completeCalls(s.platform, id); got != 1 || s.records(t)[outbox.Pending] != 1 {
		t.Fatalf("the platform received %d completes, want 1; outbox %v", got, s.records(t))
	}
	// Each turn of the platform's worker (a third of the window) requeues
	// the first complete once: it is saved at the sixth.
	turn := func(n int) {
		for range n {
			clock.Add(window / 3)
			s.platform.Ingest()
		}
	}
	resend := func() {
		rs := s.resender()
		if _, err := rs.Flush(context.Background()); err != nil {
			t.Fatalf("flush: %v", err)
		}
	}
	turn(4) // past the window: requeued four times, the inject still ERROR
	if st := s.platform.InjectStatus(id); st != "ERROR" {
		t.Fatalf("inject %s, want it swept (ERROR) with the complete requeued", st)
	}
	resend()
	if got, _ := completeCalls(s.platform, id); got != 1 {
		t.Errorf("a flush past the window, within the platform's requeues, sent the complete again: %d received", got)
	}
	if n := s.logs.FilterMessageSnippet(msgSwept).Len(); n != 0 {
		t.Errorf("%d WARN %q for a complete held back", n, msgSwept)
	}
	turn(2) // the sixth processing saves it
	clock.Add(window + 5*(15*time.Second+window/3))
	turn(6) // anything sent again settles
	flush(t, s)
	checkTakenOnce(t, s.platform, id)
	// The current line's sweep gave the agentless inject a TIMEOUT trace.
	if st := s.platform.InjectStatus(id); st != "PARTIAL" {
		t.Errorf("inject %s, want PARTIAL: its EXECUTED beside the sweep's TIMEOUT", st)
	}
	noneDropped(t, s.platform)
}

// sweptEnv is a serve environment on a platform that queues its
// callbacks, whose transport sweeps the inject as its first "complete"
// is taken and loses that complete's answer (sweepAt), the ingestion
// window and the clock given.
func sweptEnv(t *testing.T, window time.Duration, clock *testkit.Clock) *serveEnv {
	t.Helper()
	return sweptEnvAt(t, window, clock, &sweepAt{lose: true})
}

// sweptEnvAt is sweptEnv, the platform swept when tr says.
func sweptEnvAt(t *testing.T, window time.Duration, clock *testkit.Clock, tr *sweepAt) *serveEnv {
	t.Helper()
	var s *serveEnv
	tr.platform = func() *openaevtest.Platform { return s.platform }
	s = newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, httpClient: &http.Client{Transport: tr},
		window: window, now: clock.Now})
	return s
}

// TestSweptInjectRunHeldForThePlatformsRequeues: a "complete" reached
// the queue of a platform that finalized the inject meanwhile, and 2.4.0
// requeues it past the ingestion window, whether its answer was lost or
// it was answered 200 (queued): the sweep ran between the reception and
// the worker's turn. Past the window, within the requeue span, `injectkit
// run` (RecentComplete told the inject is unreported) is still refused,
// as the resend is held, and serve acknowledges a redelivered message
// without running it: a second run's complete would collide with the one
// requeued. An inject the platform shows otherwise keeps the window
// alone; past the span nothing is held.
func TestSweptInjectRunHeldForThePlatformsRequeues(t *testing.T) {
	const window = 30 * time.Second
	for _, sweep := range []struct {
		name string
		tr   *sweepAt
	}{
		{"its answer lost", &sweepAt{lose: true}},
		{"delivered, the inject swept before the worker's turn", &sweepAt{atReception: true}},
	} {
		t.Run(sweep.name, func(t *testing.T) {
			clock := newWindowClock()
			heldForTheRequeues(t, sweptEnvAt(t, window, clock, sweep.tr), clock, window)
		})
	}
}

// heldForTheRequeues runs an inject of s, whose "complete" the platform
// requeues (the inject swept), and checks what holds it (see
// TestSweptInjectRunHeldForThePlatformsRequeues).
func heldForTheRequeues(t *testing.T, s *serveEnv, clock *testkit.Clock, window time.Duration) {
	t.Helper()
	const id = "i-requeued-run"
	msg := nmapAssetsMessage(t, s.env, id, 2)
	_ = s.proc.Process(context.Background(), msg)
	if got, _ := completeCalls(s.platform, id); got != 1 {
		t.Fatalf("the platform received %d completes, want 1", got)
	}
	for range 4 { // past the window: requeued four times, the inject still ERROR
		clock.Add(window / 3)
		s.platform.Ingest()
	}
	if st := s.platform.InjectStatus(id); st != "ERROR" {
		t.Fatalf("inject %s, want it swept (ERROR) with the complete requeued", st)
	}
	for _, tt := range []struct {
		name       string
		unreported bool
		want       bool
	}{
		{"finalized without a result: held for the requeue span", true, true},
		{"shown otherwise: the window alone", false, false},
	} {
		recent, ok := s.proc.RecentComplete(id, tt.unreported)
		if ok != tt.want {
			t.Fatalf("%s: RecentComplete(%v) = %v, want %v", tt.name, tt.unreported, ok, tt.want)
		}
		if ok && (recent.Requeue != 5*(15*time.Second+window/3)) {
			t.Errorf("%s: requeue span %s, want %s", tt.name, recent.Requeue, 5*(15*time.Second+window/3))
		}
	}
	receptions := len(s.platform.Receptions(id))
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: true}); err != nil {
		t.Fatalf("redelivery: %v", err)
	}
	if got := len(s.platform.Receptions(id)); got != receptions {
		t.Errorf("serve ran a redelivered message within the requeue span: %d receptions, want %d", got, receptions)
	}
	if got, _ := completeCalls(s.platform, id); got != 1 {
		t.Errorf("the platform received %d completes, want 1", got)
	}
	clock.Add(5 * (15*time.Second + window/3))
	if _, ok := s.proc.RecentComplete(id, true); ok {
		t.Error("RecentComplete past the requeue span: still held")
	}
	for range 4 { // the platform's worker saves the first at its sixth turn
		s.platform.Ingest()
	}
	checkTakenOnce(t, s.platform, id)
	noneDropped(t, s.platform)
}

// TestSweptHeldResultSaidOnce: a result serve holds in memory (no outbox)
// for an inject the platform finalized without a result is tried about
// once a minute; each try asked the platform again and logged the WARN
// that the inject was finalized without one, 26 times in a 40-minute
// full-disk run. The WARN is said once per "complete", whatever the
// number of tries.
func TestSweptHeldResultSaidOnce(t *testing.T) {
	const id = "i-held"
	var s *serveEnv
	sweep := &sweepAt{atReception: true, platform: func() *openaevtest.Platform { return s.platform }}
	s = newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop",
		httpClient: &http.Client{Transport: sweep}})
	s.platform.FailComplete(id, http.StatusServiceUnavailable, 6) // 3 tries of 2 attempts (newServeEnv)
	msg := nmapAssetsMessage(t, s.env, id, 2)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
		t.Fatalf("settled with %v, want acknowledged", err)
	}
	if !sweep.fired.Load() {
		t.Fatal("the platform's sweep never ran")
	}
	checkTakenOnce(t, s.platform, id)
	if tries := s.logs.FilterMessageSnippet("terminal callback still not delivered").Len(); tries < 2 {
		t.Fatalf("%d tries after the first, want at least 2", tries)
	}
	if n := s.logs.FilterMessageSnippet(msgSwept).Len(); n != 1 {
		t.Errorf("%d WARN lines %q over the held result's tries, want 1", n, msgSwept)
	}
}
