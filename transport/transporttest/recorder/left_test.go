package recorder

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A held request whose client goes away is recorded as left, unanswered,
// and stays so after the release.
func TestBackendHeldClientLeaves(t *testing.T) {
	b := New(t)
	b.Hold()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.URL, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	b.Await(t, 1)
	if b.Requests()[0].Left {
		t.Fatal("left before the client went away")
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled client got an answer")
	}
	testkit.WaitFor(t, time.Minute, "the request recorded as left", func() bool { return b.Requests()[0].Left }, &b.sig)
	b.Release()
	if r := b.Requests()[0]; r.Status != 0 || len(b.Answered()) != 0 {
		t.Errorf("a request left unanswered recorded as answered: status %d", r.Status)
	}
}
