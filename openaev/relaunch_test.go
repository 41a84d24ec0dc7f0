package openaev_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// TestServeRunsAnInjectLaunchedAgain: OpenAEV 2.4.0 dispatches an inject
// id a second time only through its launch (Inject.clean: a new status,
// no traces, no findings, a newer tracking_sent_date). serve given its
// message within the ingestion window of the first run's complete runs
// it again, whether the broker flags it redelivered or not, and the
// inject ends SUCCESS with that run's complete, not EXECUTING for good; a
// copy of the first message, the inject not launched again, is still not
// run.
func TestServeRunsAnInjectLaunchedAgain(t *testing.T) {
	const id = "i-launched"
	tests := []struct {
		name        string
		launch      bool
		redelivered bool
		wantRuns    int
	}{
		{"launched again", true, false, 2},
		{"launched again, flagged redelivered", true, true, 2},
		{"a copy, not launched again", false, false, 1},
		{"redelivered, not launched again", false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, msg := firstRunInWindow(t, id)
			s.platform.Ingest() // the worker's turn: the first complete taken
			if st := s.platform.InjectStatus(id); st != "SUCCESS" {
				t.Fatalf("status after the first run %q, want SUCCESS", st)
			}
			if tt.launch {
				s.platform.Launch(id)
				s.platform.Dispatch(id)
			}
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: tt.redelivered}); err != nil {
				t.Fatalf("again: %v", err)
			}
			if n := len(s.platform.Receptions(id)); n != tt.wantRuns {
				t.Fatalf("%d receptions, want %d", n, tt.wantRuns)
			}
			endsSuccess(t, s, id)
			if tt.launch {
				checkTakenOnceSince(t, s.platform, id)
			}
		})
	}
}

// checkTakenOnceSince checks that the platform holds one complete of
// inject id since it was launched again: one COMPLETE trace.
func checkTakenOnceSince(t *testing.T, p *openaevtest.Platform, id string) {
	t.Helper()
	h, ok := p.Held(id)
	if !ok {
		t.Fatal("inject gone")
	}
	completes := 0
	for _, tr := range h.Traces {
		if tr.Action == "COMPLETE" {
			completes++
		}
	}
	if completes != 1 {
		t.Errorf("%d COMPLETE traces since the launch, want 1: %+v", completes, h.Traces)
	}
}

// firstRunInWindow returns a serve environment on OpenAEV 2.4.0 whose
// platform holds its ingestion back, with a 30 s ingestion window on a
// clock that stands still (however long the test takes, it is within the
// window), and the message of inject id (an nmap inject over two assets),
// which it dispatched and handled once.
func firstRunInWindow(t *testing.T, id string) (*serveEnv, []byte) {
	t.Helper()
	s := newServeEnv(t, serveOpts{version: openaevtest.Version24, injectors: "nmap, noop", outbox: true,
		platform: []openaevtest.Option{openaevtest.WithHeldIngestion()}, window: 30 * time.Second, now: newWindowClock().Now})
	msg := nmapAssetsMessage(t, s.env, id, 2)
	s.platform.Dispatch(id)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg}); err != nil {
		t.Fatalf("first: %v", err)
	}
	return s, msg
}

// endsSuccess lets s's platform ingest what it holds and fails t unless
// inject id ends SUCCESS with no callback dropped.
func endsSuccess(t *testing.T, s *serveEnv, id string) {
	t.Helper()
	for range 6 {
		s.platform.Ingest()
	}
	if st := s.platform.InjectStatus(id); st != "SUCCESS" {
		t.Errorf("status %q, want SUCCESS", st)
	}
	noneDropped(t, s.platform)
}
