package openaev_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
)

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
func heldForTheRequeues(t *testing.T, s *serveEnv, clock *windowClock, window time.Duration) {
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
	for _, c := range s.platform.Dropped() {
		t.Errorf("the platform dropped a %s: %s", c.Kind, c.Reason)
	}
}
