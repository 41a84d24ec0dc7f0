package httpx

import (
	"context"
	"errors"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

// ctx ending while Before or Rewrite makes a request of its own (an
// outbox's shutdown while the inject's status or its stored findings are
// read before a retry of the "complete") ends Do as an end during a wait
// does: an *InterruptedError counting the attempts of this request and
// holding its last failure (the 503), not the error of theirs. Their
// other errors are returned as they are.
func TestPosterEndedBeforeAnAttempt(t *testing.T) {
	theirs := errors.New("their own refusal")
	for _, tc := range []struct {
		name    string
		rewrite bool  // Rewrite fails, not Before
		err     error // theirs; nil: ctx's end
	}{
		{"before, ctx ended", false, nil},
		{"rewrite, ctx ended", true, nil},
		{"before, its own error", false, theirs},
		{"rewrite, its own error", true, theirs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, testkit.Repeat(4, 503, "")...)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			fail := func(ctx context.Context, n int) error {
				if n < 2 {
					return nil
				}
				if tc.err != nil {
					return tc.err
				}
				cancel() // their request cut short
				return &InterruptedError{Err: ctx.Err(), Attempts: 3, Last: &HTTPError{Op: "theirs", Status: 500}}
			}
			r := Request{Op: "callback", URL: srv.URL}
			if tc.rewrite {
				r.Rewrite = func(ctx context.Context, n int, body []byte) ([]byte, error) { return body, fail(ctx, n) }
			} else {
				r.Before = fail
			}
			p := Poster{Client: NewDefaultClient(), Timer: &httpxtest.Timer{}}
			rep, err := p.Do(ctx, r)
			if rep.Attempts != 1 || len(srv.Requests()) != 1 {
				t.Fatalf("%d attempts, %d requests; want 1", rep.Attempts, len(srv.Requests()))
			}
			if tc.err != nil {
				if err != tc.err {
					t.Errorf("error = %#v, want theirs as it is", err)
				}
				return
			}
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.Attempts != 1 || ie.Last == nil || ie.Last.Op != "callback" || ie.Last.Status != 503 ||
				!errors.Is(err, context.Canceled) {
				t.Errorf("error = %#v, want an *InterruptedError of this request: 1 attempt, its 503", err)
			}
		})
	}
}
