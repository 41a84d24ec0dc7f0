package openaev_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/serve"
)

// TestSweptInjectRunHeldForThePlatformsRequeues: a "complete" whose
// answer was lost reached the queue of a platform that finalized the
// inject meanwhile, and 2.4.0 requeues it past the ingestion window. Past
// the window, within the requeue span, `injectkit run` (RecentComplete
// told the inject is unreported) is still refused, as the resend is held,
// and serve acknowledges a redelivered message without running it: a
// second run's complete would collide with the one requeued. An inject
// the platform shows otherwise keeps the window alone; past the span
// nothing is held.
func TestSweptInjectRunHeldForThePlatformsRequeues(t *testing.T) {
	const id, window = "i-requeued-run", 30 * time.Second
	clock := newWindowClock()
	s := sweptEnv(t, window, clock)
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
	tests := []struct {
		name       string
		unreported bool
		want       bool
	}{
		{"finalized without a result: held for the requeue span", true, true},
		{"shown otherwise: the window alone", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recent, ok := s.proc.RecentComplete(id, tt.unreported)
			if ok != tt.want {
				t.Fatalf("RecentComplete(%v) = %v, want %v", tt.unreported, ok, tt.want)
			}
			if ok && (recent.Requeue != 5*(15*time.Second+window/3)) {
				t.Errorf("requeue span %s, want %s", recent.Requeue, 5*(15*time.Second+window/3))
			}
		})
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
}
