package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestServeKeepsARelaunchWhoseStateTheTokenMayNotRead: an inject launched
// again within the ingestion window of its first run's complete, whose
// state the platform refuses to the token (GET /api/injects/{id} answered
// 401 or 403: the token revoked, its rights taken), is the token's failure:
// its message is kept for a later try (serve.UnauthorizedError), not
// acknowledged unrun as a copy of the first message, which left the
// launch EXECUTING for good. Handed again once the token may read it, it
// runs, and the inject ends SUCCESS with one complete since the launch.
func TestServeKeepsARelaunchWhoseStateTheTokenMayNotRead(t *testing.T) {
	const id = "i-relaunch-refused"
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			s, msg := firstRunInWindow(t, id)
			s.platform.Ingest()
			s.platform.Launch(id)
			s.platform.Dispatch(id)
			s.platform.FailInjectRead(id, status, 1)
			err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg})
			var ue *serve.UnauthorizedError
			if !errors.As(err, &ue) || ue.Durable || ue.Ran || ue.Key != id {
				t.Fatalf("launched again, its state refused %d: %v (%#v), want a serve.UnauthorizedError keyed %q, neither durable nor ran",
					status, err, ue, id)
			}
			if n := len(s.platform.Receptions(id)); n != 1 {
				t.Fatalf("%d receptions after the refusal, want 1 (nothing run)", n)
			}
			// The daemon hands the kept message again, flagged redelivered.
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: true}); err != nil {
				t.Fatalf("again once the token reads it: %v", err)
			}
			if n := len(s.platform.Receptions(id)); n != 2 {
				t.Fatalf("%d receptions, want 2", n)
			}
			endsSuccess(t, s, id)
			checkTakenOnceSince(t, s.platform, id)
		})
	}
}
