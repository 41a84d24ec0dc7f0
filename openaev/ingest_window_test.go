package openaev_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// loseComplete is a transport whose first n "complete" callbacks get no
// answer: forwarded to the platform first (taken, the answer lost), or
// never (not taken). With cut set, a forwarded one calls it before its
// answer is read (the daemon's shutdown abandoning the sends in flight)
// and ends with the request's context: cut short in flight, once
// connected.
type loseComplete struct {
	n       atomic.Int32
	forward bool
	cut     func()
}

func (l *loseComplete) RoundTrip(r *http.Request) (*http.Response, error) {
	complete, err := isComplete(r)
	if err != nil {
		return nil, err
	}
	if complete && l.n.Add(-1) >= 0 {
		if l.forward {
			if resp, err := http.DefaultTransport.RoundTrip(r); err == nil {
				resp.Body.Close()
			}
			if l.cut != nil {
				l.cut()
				<-r.Context().Done()
				return nil, r.Context().Err()
			}
		}
		return nil, answerLost(r)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// newWindowClock returns the clock the ingestion window tests move.
func newWindowClock() *testkit.Clock {
	return testkit.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
}

// completeCalls counts the "complete" callbacks of inject id the platform
// received, and those it processed.
func completeCalls(p *openaevtest.Platform, id string) (received, processed int) {
	for _, c := range p.Calls(id) {
		if c.Kind == openaevtest.KindComplete {
			received++
			if c.Outcome == openaevtest.Processed {
				processed++
			}
		}
	}
	return received, processed
}

// TestLostCompleteWaitsForTheIngestWindow is tester t94's case (a) against
// a platform that queues its callbacks (2.4.0's default): a "complete"
// whose attempt got no answer is not sent again while the platform shows
// the inject PENDING within the ingestion window of that attempt, though
// nothing shows the platform holds it: the run keeps it in the outbox, and
// a flush within the window sends nothing either. Once the platform's
// worker processed a complete it took, the flush finds it taken (its run
// mark), and sends nothing more: completed once. One the platform never
// took is sent by the first flush after the window: nothing lost.
func TestLostCompleteWaitsForTheIngestWindow(t *testing.T) {
	const id, window = "i-window", 30 * time.Second
	for _, taken := range []bool{true, false} {
		name := map[bool]string{true: "taken, answer lost", false: "never taken"}[taken]
		t.Run(name, func(t *testing.T) {
			w := newWindowEnv(t, window)
			w.lose.forward = taken
			w.lose.n.Store(1)
			s, clock := w.serveEnv, w.clock
			_ = s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2))
			wantReceived := map[bool]int{true: 1, false: 0}[taken]
			if got, _ := completeCalls(s.platform, id); got != wantReceived || s.records(t)[outbox.Pending] != 1 {
				t.Fatalf("after the run: the platform received %d completes, want %d (no retry within the window); outbox %v",
					got, wantReceived, s.records(t))
			}
			clock.Add(10 * time.Second)
			if res := w.flush(t); res.Failed != 1 {
				t.Fatalf("flush within the window: %+v, want the complete kept, not sent", res)
			}
			if got, _ := completeCalls(s.platform, id); got != wantReceived {
				t.Fatalf("flush within the window: the platform received %d completes, want %d", got, wantReceived)
			}
			s.platform.Ingest() // the platform's worker processes what it took
			if !taken {
				clock.Add(window) // past the window of the lost attempt
			}
			if res := w.flush(t); res.Delivered != 1 {
				t.Fatalf("flush: %+v, want the complete delivered", res)
			}
			s.platform.Ingest()
			if got, processed := completeCalls(s.platform, id); got != 1 || processed != 1 {
				t.Errorf("the platform received %d completes and processed %d, want 1 and 1", got, processed)
			}
			checkTakenOnce(t, s.platform, id)
			noneDropped(t, s.platform)
			if st := s.platform.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want it finished", st)
			}
			if got := s.records(t); got[outbox.Pending] != 0 {
				t.Errorf("outbox %v, want empty", got)
			}
		})
	}
}

// TestServeWithinIngestWindow is tester t94's cases (c) and (d) against a
// platform that queues its callbacks: serve given an inject's message
// again (published twice, or redelivered after the process that ran it
// died before its acknowledgement) within the ingestion window of the
// first run's complete finds the inject PENDING, its findings not stored
// yet; it acknowledges the message without running the inject again, with
// an outbox or without one (the note in the process). Once the platform's
// worker runs, the inject is completed once, nothing dropped.
func TestServeWithinIngestWindow(t *testing.T) {
	const id = "i-again"
	tests := []struct {
		name        string
		outbox      bool
		redelivered bool
	}{
		{"message sent twice, outbox", true, false},
		{"message sent twice, no outbox", false, false},
		{"redelivered, outbox", true, true},
		{"redelivered, no outbox", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: tt.outbox,
				platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, window: 30 * time.Second, now: newWindowClock().Now})
			msg := nmapAssetsMessage(t, s.env, id, 2)
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
				t.Fatalf("first: %v", err)
			}
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: tt.redelivered}); err != nil {
				t.Fatalf("again: settled with %v, want acknowledged", err)
			}
			if n := len(s.platform.Receptions(id)); n != 1 {
				t.Errorf("%d receptions, want the first run's only", n)
			}
			if s.logs.FilterMessageSnippet("within the platform's ingestion window").Len() != 1 {
				t.Error("no log line saying the message was acknowledged for the ingestion window")
			}
			for range 6 {
				s.platform.Ingest()
			}
			checkTakenOnce(t, s.platform, id)
			noneDropped(t, s.platform)
		})
	}
}

// windowEnv is a run of inject id whose "complete" attempts get no answer
// (the first lost ones, forwarded to the platform when taken), against a
// platform that queues its callbacks, the notes' and the outbox's clock
// the test's.
type windowEnv struct {
	*serveEnv
	clock *testkit.Clock
	lose  *loseComplete
}

func newWindowEnv(t *testing.T, window time.Duration) *windowEnv {
	t.Helper()
	clock, lose := newWindowClock(), &loseComplete{}
	s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, httpClient: &http.Client{Transport: lose},
		window: window, now: clock.Now})
	return &windowEnv{serveEnv: s, clock: clock, lose: lose}
}

// flush sends the outbox's pending bodies once, as `outbox flush` does.
func (w *windowEnv) flush(t *testing.T) outbox.FlushResult {
	t.Helper()
	rs := w.resender()
	res, err := rs.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pending returns the one pending record of the outbox.
func (w *windowEnv) pending(t *testing.T) outbox.Record {
	t.Helper()
	recs, err := w.store.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].State != outbox.Pending {
		t.Fatalf("outbox holds %v, want one pending complete", recs)
	}
	return recs[0]
}

// A "complete" held back by the ingestion window (its attempt got no
// answer) is due again when the window ends, not at the backoff of a
// backend that is down (40 s after a run's 4 attempts, then doubling to
// 5 min): after the run, and after a flush within the window, its next
// attempt is the end of the window of the attempt that got no answer. Once
// the window has passed, the platform shows the inject unfinished (it never
// took it) and the next flush delivers it.
func TestHeldCompleteDueWhenTheWindowEnds(t *testing.T) {
	const id, window = "i-due", 30 * time.Second
	w := newWindowEnv(t, window)
	w.lose.n.Store(1) // not forwarded: never taken
	start := w.clock.Now()
	_ = w.proc.Process(context.Background(), nmapAssetsMessage(t, w.env, id, 2))
	end := start.Add(window)
	for _, step := range []struct {
		name  string
		after time.Duration // the clock moved before the flush
	}{
		{"after the run", 0},
		{"after a flush 10s into the window", 10 * time.Second},
		{"after a flush 1s before its end", 19 * time.Second},
	} {
		if step.after > 0 {
			w.clock.Add(step.after)
			if res := w.flush(t); res.Failed != 1 {
				t.Fatalf("%s: flush %+v, want the complete kept, not sent", step.name, res)
			}
		}
		if r := w.pending(t); !r.NextAttempt.Equal(end) {
			t.Errorf("%s: next attempt at %s, want the window's end %s (%s after the attempt that got no answer)",
				step.name, r.NextAttempt.Format(time.TimeOnly), end.Format(time.TimeOnly), window)
		}
	}
	if got, _ := completeCalls(w.platform, id); got != 0 {
		t.Fatalf("the platform received %d completes, want none yet", got)
	}
	w.clock.Add(time.Second) // the window's end
	if res := w.flush(t); res.Delivered != 1 {
		t.Fatalf("flush at the window's end: %+v, want the complete delivered", res)
	}
	w.platform.Ingest()
	if got, processed := completeCalls(w.platform, id); got != 1 || processed != 1 {
		t.Errorf("the platform received %d completes and processed %d, want 1 and 1", got, processed)
	}
}

// The window runs from the last attempt of a "complete" that got no
// answer, not from the first. An attempt is made only once the window of
// the one before it has passed, the inject shown unfinished: the platform
// (whose worker runs every 10 s) did not take that one. The later attempt
// may be the one it took, and its processing is up to a worker's turn
// after it, not after the first: a read within the window of the later
// attempt proves nothing, though past the first's. Here the first attempt
// never reached the platform; the flush after its window sends the
// complete, the platform queues it, and its answer is lost; a flush 25 s
// later (55 s after the first attempt, past its window) sends nothing: the
// platform completes the inject once.
func TestIngestWindowRunsFromTheLastUnansweredAttempt(t *testing.T) {
	const id, window = "i-last", 30 * time.Second
	w := newWindowEnv(t, window)
	w.lose.n.Store(1) // the run's attempt: not forwarded, never taken
	_ = w.proc.Process(context.Background(), nmapAssetsMessage(t, w.env, id, 2))
	w.clock.Add(window)
	w.lose.forward = true
	w.lose.n.Store(1) // the flush's attempt: taken, queued, its answer lost
	if res := w.flush(t); res.Failed != 1 {
		t.Fatalf("flush past the first window: %+v, want the complete sent, its answer lost, kept", res)
	}
	if got, _ := completeCalls(w.platform, id); got != 1 {
		t.Fatalf("the platform received %d completes, want the flush's", got)
	}
	w.clock.Add(25 * time.Second)
	if res := w.flush(t); res.Failed != 1 {
		t.Fatalf("flush 25s after the taken attempt: %+v, want the complete kept, not sent", res)
	}
	if got, _ := completeCalls(w.platform, id); got != 1 {
		t.Fatalf("the platform received %d completes, want 1: a read within the window of the last attempt proves nothing", got)
	}
	w.platform.Ingest() // the worker's turn: the flush's complete processed
	if res := w.flush(t); res.Delivered != 1 {
		t.Fatalf("flush once processed: %+v, want the complete found taken", res)
	}
	w.platform.Ingest()
	if got, processed := completeCalls(w.platform, id); got != 1 || processed != 1 {
		t.Errorf("the platform received %d completes and processed %d, want 1 and 1", got, processed)
	}
	noneDropped(t, w.platform)
}
