package openaev_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/transport/outbox"
)

// TestCompleteCutInFlightNoted is reviewer r15's first case: a "complete"
// the platform took, its attempt cut short in flight by the daemon's
// shutdown before the answer came, is noted as one the platform may hold:
// a flush within the ingestion window sends it no second time (2.4.0 would
// drop the second with its whole batch, its findings stored already);
// after the platform's worker ran, the inject is completed once.
func TestCompleteCutInFlightNoted(t *testing.T) {
	const id, window = "i-cut", 30 * time.Second
	w := newWindowEnv(t, window)
	w.lose.forward = true
	w.lose.n.Store(1)
	w.lose.cut = w.handler.Abandon
	s, clock := w.serveEnv, w.clock
	if err := s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2)); err == nil {
		t.Fatal("run: delivered, want the complete cut short and kept")
	}
	if _, ok := s.proc.RecentComplete(id, false); !ok {
		t.Error("RecentComplete: no note of the complete cut short in flight")
	}
	clock.Add(5 * time.Second)
	w.flush(t)
	if got, _ := completeCalls(s.platform, id); got != 1 {
		t.Errorf("the platform received %d completes within the window, want 1 (the one cut short)", got)
	}
	for range 6 {
		s.platform.Ingest()
	}
	checkTakenOnce(t, s.platform, id)
	noneDropped(t, s.platform)
}

// TestRedeliveryJoinsTheHandlingHoldingItsResult is reviewer r15's third
// case: serve without an outbox; the first handling's "complete" gets no
// answer (never taken), its next attempts are withheld by the ingestion
// window, and the handling holds the result in memory, its message
// unacknowledged. The message is redelivered (the channel closed): the
// copy waits for that handling and takes its outcome, not acknowledged at
// once for the window's note. When the daemon then stops, the copy is not
// acknowledged either, so the broker keeps the message; once the window
// passed, the held result is delivered and the copy acknowledged with it.
func TestRedeliveryJoinsTheHandlingHoldingItsResult(t *testing.T) {
	const id, window = "i-held", 30 * time.Second
	for _, stop := range []bool{true, false} {
		name := map[bool]string{true: "the daemon stops", false: "the window passes"}[stop]
		t.Run(name, func(t *testing.T) {
			clock := newWindowClock()
			lose := &loseComplete{forward: false} // not taken
			lose.n.Store(1)
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop",
				platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, httpClient: &http.Client{Transport: lose},
				window: window, now: clock.Now})
			msg := nmapAssetsMessage(t, s.env, id, 2)
			first := make(chan error, 1)
			go func() { first <- s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}) }()
			testkit.WaitFor(t, testkit.Hang, "the first handling holding its result", func() bool {
				return s.logs.FilterMessageSnippet("no outbox to keep it").Len() > 0
			})
			again := make(chan error, 1)
			go func() {
				again <- s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: true})
			}()
			testkit.WaitFor(t, testkit.Hang, "the redelivered copy joining the first handling", func() bool {
				return s.logs.FilterMessageSnippet("waiting for that run").Len() > 0 || len(again) > 0
			})
			if stop {
				s.handler.Abandon()
			} else {
				clock.Add(window)
			}
			errFirst, errAgain := <-first, <-again
			if errAgain != errFirst {
				t.Errorf("redelivered copy settled with %v, want the first handling's outcome %v", errAgain, errFirst)
			}
			got, _ := completeCalls(s.platform, id)
			switch {
			case stop && errAgain == nil:
				t.Errorf("the redelivered copy was acknowledged, the result dropped at the stop: the platform has %d completes", got)
			case !stop && (errFirst != nil || got != 1):
				t.Errorf("past the window: first handling %v, the platform received %d completes; want delivered, once", errFirst, got)
			}
		})
	}
}

// TestRerunRetriesWithinTheWindow is reviewer r15's fourth case: a run
// given --rerun-finished within the ingestion window of an earlier run's
// delivered complete (the CLI lets it run after a WARN). A retry of its
// own complete is withheld only after an attempt of it got no answer: one
// answered 503 (not taken) is retried and delivered, the earlier run's
// note withholding nothing; one that got no answer is kept.
func TestRerunRetriesWithinTheWindow(t *testing.T) {
	const id = "i-rerun"
	tests := []struct {
		name      string
		noAnswer  bool // the rerun's first attempt gets no answer; else a 503
		delivered bool
	}{
		{"answered 503: retried", false, true},
		{"no answer: withheld", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lose := &loseComplete{}
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
				platform: []openaevtest.Option{openaevtest.WithLegacyIngestion()}, httpClient: &http.Client{Transport: lose},
				window: 30 * time.Second, now: newWindowClock().Now})
			msg := nmapAssetsMessage(t, s.env, id, 2)
			if err := s.proc.Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			s.platform.SetInjectStatus(id, "PENDING") // reopened, as the rerun's reception does
			s.proc.Reopened(id)
			if tt.noAnswer {
				lose.n.Store(1)
			} else {
				s.platform.FailComplete(id, http.StatusServiceUnavailable, 1)
			}
			err := s.proc.Process(context.Background(), msg)
			if (err == nil) != tt.delivered {
				t.Fatalf("rerun: %v; delivered %v, want %v", err, err == nil, tt.delivered)
			}
			if !tt.delivered && !strings.Contains(err.Error(), "(the answer lost)") {
				t.Errorf("rerun: %v, want it to say the platform may hold its complete", err)
			}
			if got := s.records(t)[outbox.Pending]; got != map[bool]int{true: 0, false: 1}[tt.delivered] {
				t.Errorf("outbox: %d pending", got)
			}
			noneDropped(t, s.platform)
		})
	}
}

// TestNoteLastsItsOwnWindow is reviewer r16's fourth case: `run
// --openaev-ingest-window 1m` delivers a "complete" and notes it; a later
// reader with a window of its own (a flush or a run with the default 30s,
// one with 2m) reads that note with the window it was made with: 40 s
// after it, its inject is still held, and past that minute an inject the
// platform finalized without a result is held for the requeue span after
// it, that of a 1m window.
func TestNoteLastsItsOwnWindow(t *testing.T) {
	const id, made = "i-own-window", time.Minute
	span := 5 * (15*time.Second + made/3)
	start := newWindowClock().Now()
	for _, reader := range []time.Duration{openaev.DefaultIngestWindow, made, 2 * time.Minute} {
		t.Run("reader's window "+reader.String(), func(t *testing.T) {
			clock := newWindowClock()
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
				platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, window: made, now: clock.Now})
			if err := s.proc.Process(context.Background(), nmapAssetsMessage(t, s.env, id, 2)); err != nil {
				t.Fatalf("run: %v", err)
			}
			// Another process reads the note once it is committed (with the
			// outbox's next write, or within 20 ms).
			testkit.WaitFor(t, testkit.Hang, "the complete's note written", func() bool {
				_, ok, err := s.store.LastComplete(strings.TrimRight(s.platform.URL, "/"), id)
				return ok && err == nil
			})
			profile := openaev.NewProfile(s.client, s.selected, s.log, openaev.WithIngestWindow(reader),
				openaev.WithCompleteStore(s.store), openaev.WithClock(clock.Now))
			proc := openaev.NewProcessor(newTestRuntime(s.registry, profile, s.log), profile)
			for _, tt := range []struct {
				after      time.Duration // since the complete
				unreported bool
				held       bool
				requeue    time.Duration
			}{
				{40 * time.Second, false, true, 0},
				{40 * time.Second, true, true, span},
				{made, false, false, 0},
				{made, true, true, span},
				{made + span, true, false, 0},
			} {
				clock.Add(start.Add(tt.after).Sub(clock.Now()))
				recent, held := proc.RecentComplete(id, tt.unreported)
				if held != tt.held {
					t.Fatalf("%s after the complete, unreported %v: held %v, want %v", tt.after, tt.unreported, held, tt.held)
				}
				if held && (recent.Window != made || recent.Requeue != tt.requeue || !recent.Until.Equal(start.Add(made+tt.requeue))) {
					t.Errorf("%s after the complete, unreported %v: window %s, requeue span %s, until %s; want %s, %s, %s",
						tt.after, tt.unreported, recent.Window, recent.Requeue, recent.Until, made, tt.requeue, start.Add(made+tt.requeue))
				}
			}
		})
	}
}
