package openaev_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
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
		complete, err := isComplete(req)
		if err != nil {
			return nil, err
		}
		if complete {
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

// TestHandlerNoCopyRunsAfterAbandon is reviewer r4's case: once the
// shutdown abandoned the handlings in flight, a copy of an inject (one
// that waited for its predecessor, or one handled during the grace) does
// not start a run: it goes back to the queue, as the shutdown settles the
// messages it did not start.
func TestHandlerNoCopyRunsAfterAbandon(t *testing.T) {
	tests := []struct {
		name string
		opts serveOpts
	}{
		{name: "no outbox"},
		{name: "outbox", opts: serveOpts{outbox: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, tt.opts)
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			started, release := s.nmap.holdNextRun()
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
			<-started
			s.handler.Abandon() // the run goes on; its result is delivered or kept
			release()
			<-first
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
			if got := settlement(err); got != "requeue" {
				t.Errorf("the copy settled %s (%v), want requeue", got, err)
			}
			if n := s.nmap.calls.Load(); n != 1 {
				t.Errorf("nmap ran %d times, want 1", n)
			}
		})
	}
}

// TestHandlerLostCopyDoesNotRun is reviewer r4's case: a copy of an
// inject waits for the handling of another message of it (one sent
// again: tester t99, the broker's flag unset), and its channel closes
// meanwhile. It takes that handling's outcome, runs nothing, and the
// inject is remembered: the broker sends the copy again, and that one,
// flag unset too, is not run either.
func TestHandlerLostCopyDoesNotRun(t *testing.T) {
	s := newServeEnv(t, serveOpts{})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	started, release := s.nmap.holdNextRun()
	first := make(chan error, 1)
	go func() { first <- s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}) }()
	<-started
	var lost atomic.Bool
	second := s.waitingCopy(t, s.handler, serve.Delivery{Body: body, Lost: lost.Load})
	lost.Store(true) // its channel closed
	release()
	if err := <-first; err != nil {
		t.Errorf("first copy: %v", err)
	}
	if err := <-second; err != nil {
		t.Errorf("the lost copy: %v, want the first's outcome", err)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Errorf("the copy sent again: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if n := len(s.platform.Receptions("i-1")); n != 1 {
		t.Errorf("%d receptions, want 1", n)
	}
}

// TestHandlerFirstDeliveryOfAStartedInject is tester t83's finding 1: a
// message of an inject run already (published again after the inject
// finished, or while another copy's complete may be stored) is a first
// delivery, and runs again; its complete would repeat the findings of the
// earlier one, and the platform would drop it whole, the inject left
// PENDING. The platform's answer to its reception shows the earlier
// run's COMPLETE trace (or cannot be read: cut short, or, tester t89's
// finding 1, empty or without inject_status, which is not the platform's
// answer): the complete first reads the findings the platform stores and
// leaves those out, and the platform processes it. Nothing else is asked
// of the platform before the run.
func TestHandlerFirstDeliveryOfAStartedInject(t *testing.T) {
	const id = "i-1"
	tests := []struct {
		name string
		// between runs between the two deliveries.
		between func(t *testing.T, s *serveEnv)
		// answer rewrites the answer to the second reception.
		answer func(io.Reader) io.Reader
		log    string
	}{
		{name: "finished", log: "the platform shows an earlier run's complete for this inject"},
		{name: "PENDING again, its findings stored", between: func(t *testing.T, s *serveEnv) {
			if _, err := s.client.Reception(t.Context(), id); err != nil {
				t.Fatal(err)
			}
		}, log: "the platform shows an earlier run's complete for this inject"},
		{name: "answer to the reception unreadable", answer: cutShort,
			log: "the platform's answer to the reception cannot be read: running the inject"},
		{name: "answer to the reception empty", answer: answerOf(""),
			log: "the platform's answer to the reception cannot be read: running the inject"},
		{name: "answer to the reception without inject_status", answer: answerOf(`{"inject_id":"i-1"}`),
			log: "the platform's answer to the reception cannot be read: running the inject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := &receptionAnswers{next: http.DefaultTransport}
			s := newServeEnv(t, serveOpts{outbox: true, httpClient: &http.Client{Transport: answers}})
			body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatal(err)
			}
			if tt.between != nil {
				tt.between(t, s)
			}
			if tt.answer != nil {
				answers.answer.Store(&tt.answer)
			}
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatalf("second delivery: %v", err)
			}
			completes := 0
			for _, c := range s.platform.Calls(id) {
				if c.Kind != openaevtest.KindComplete {
					continue
				}
				completes++
				if !c.Processed() {
					t.Errorf("complete %d %s: %s", completes, c.Outcome, c.Reason)
				}
			}
			if completes != 2 {
				t.Errorf("%d completes, want 2 (one per run)", completes)
			}
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s after the second run, want a final status", st)
			}
			if n := len(s.platform.CallsOf(openaevtest.KindInject)); n != 0 {
				t.Errorf("%d reads of the inject, want none: the reception's answer says it", n)
			}
			if s.logs.FilterMessageSnippet(tt.log).Len() != 1 {
				t.Errorf("no line %q", tt.log)
			}
			if s.logs.FilterMessage("findings left out: the platform already stores them for this inject").Len() != 1 {
				t.Errorf("no line saying the findings stored were left out")
			}
		})
	}
}

// TestHandlerFirstDeliveryOfAFreshInject: a first delivery of an inject
// that never ran makes three calls about it, the reception, the trace and
// the complete, with the outbox or without: nothing is asked before the
// run, nor read before the complete (issue 18's hot path).
func TestHandlerFirstDeliveryOfAFreshInject(t *testing.T) {
	for _, outboxed := range []bool{false, true} {
		t.Run(map[bool]string{false: "no outbox", true: "outbox"}[outboxed], func(t *testing.T) {
			const id = "i-1"
			s := newServeEnv(t, serveOpts{outbox: outboxed})
			body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			before := len(s.platform.AllCalls())
			if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, c := range s.platform.AllCalls()[before:] {
				kinds = append(kinds, c.Kind)
				if c.InjectID != id {
					t.Errorf("call %s %s about %q, want only calls about %s", c.Kind, c.Path, c.InjectID, id)
				}
			}
			want := []string{openaevtest.KindReception, openaevtest.KindTrace, openaevtest.KindComplete}
			if !slices.Equal(kinds, want) {
				t.Errorf("platform got %v, want %v", kinds, want)
			}
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s after the run, want a final status", st)
			}
		})
	}
}

// TestHandlerUnreadReceptionsWarnOnce: a platform (or a proxy) answering
// every reception with no body has each inject run with its complete
// reading the stored findings first, and says so with one WARN in the
// process's life, then one INFO per inject.
func TestHandlerUnreadReceptionsWarnOnce(t *testing.T) {
	answers := &receptionAnswers{next: http.DefaultTransport}
	empty := answerOf("")
	answers.answer.Store(&empty)
	s := newServeEnv(t, serveOpts{outbox: true, httpClient: &http.Client{Transport: answers}})
	ids := []string{"i-1", "i-2", "i-3"}
	for _, id := range ids {
		body := s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
		if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
			t.Errorf("inject %s %s after its run, want a final status", id, st)
		}
	}
	const msg = "the platform's answer to the reception cannot be read: running the inject"
	lines := s.logs.FilterMessageSnippet(msg)
	var warns, infos int
	for _, e := range lines.All() {
		switch e.Level {
		case zap.WarnLevel:
			warns++
		case zap.InfoLevel:
			infos++
		}
	}
	if warns != 1 || infos != len(ids)-1 || lines.Len() != len(ids) {
		t.Errorf("%d WARN and %d INFO of %d lines %q, want 1 WARN then INFO, one per inject", warns, infos, lines.Len(), msg)
	}
	if n := len(s.platform.CallsOf(openaevtest.KindFindings)); n < len(ids) {
		t.Errorf("%d reads of the stored findings, want one at least before each of %d completes", n, len(ids))
	}
}

// receptionAnswers is a transport whose answers to receptions, once
// answer is set, have their body replaced by what answer makes of it: a
// 200 the platform did not send so.
type receptionAnswers struct {
	next   http.RoundTripper
	answer atomic.Pointer[func(io.Reader) io.Reader]
}

func (c *receptionAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	answer := c.answer.Load()
	if err != nil || answer == nil || !strings.Contains(r.URL.Path, "/execution/reception/") {
		return resp, err
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{(*answer)(resp.Body), resp.Body}
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
	return resp, nil
}

// cutShort cuts an answer after its first bytes: a body that cannot be
// read.
func cutShort(rd io.Reader) io.Reader {
	return io.MultiReader(io.LimitReader(rd, 5), iotest.ErrReader(io.ErrUnexpectedEOF))
}

// answerOf makes an answer whose body is body.
func answerOf(body string) func(io.Reader) io.Reader {
	return func(io.Reader) io.Reader { return strings.NewReader(body) }
}
