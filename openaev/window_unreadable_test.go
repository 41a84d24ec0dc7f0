package openaev_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestServeWithinWindowStateUnreadableSaysSo: a copy of an inject's
// message, given within the ingestion window of the first run's complete
// while the platform answers the read of the inject's state 503, is
// acknowledged without running (the platform may not show that complete
// yet), and the line saying so says the state could not be read, with why,
// not that the platform finalized the inject without a result, which
// nothing read showed.
func TestServeWithinWindowStateUnreadableSaysSo(t *testing.T) {
	const id = "i-unreadable"
	s, msg := firstRunInWindow(t, id)
	s.platform.FailInjectRead(id, http.StatusServiceUnavailable, 99)
	if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: true}); err != nil {
		t.Fatalf("again: settled with %v, want acknowledged", err)
	}
	if n := len(s.platform.Receptions(id)); n != 1 {
		t.Errorf("%d receptions, want the first run's only", n)
	}
	if n := s.logs.FilterMessageSnippet("finalized the inject without a result").Len(); n != 0 {
		t.Errorf("%d lines say the platform finalized the inject, whose state was not read: %v", n, s.logs.All())
	}
	lines := s.logs.FilterMessageSnippet("the inject's state cannot be read").All()
	if len(lines) != 1 {
		t.Fatalf("%d lines saying the state cannot be read, want 1: %v", len(lines), s.logs.All())
	}
	if _, ok := lines[0].ContextMap()["status_error"]; !ok {
		t.Errorf("the line does not say why the state cannot be read: %v", lines[0].ContextMap())
	}
}
