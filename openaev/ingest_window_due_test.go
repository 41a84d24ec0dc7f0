package openaev_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// windowEnv is a run of inject id whose "complete" attempts get no answer
// (the first lost ones, forwarded to the platform when taken), against a
// platform that queues its callbacks, the notes' and the outbox's clock
// the test's.
type windowEnv struct {
	*serveEnv
	clock *windowClock
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
	rs := &outbox.Resender{Store: w.store, Select: w.profile.Owns,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: w.profile}, nil }}
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
	for _, c := range w.platform.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}
