package outbox

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// The attempts of a body's content sent in another form (InOtherForm: a
// superseded "complete" sent as "data") that got no answer are counted
// apart from the body's own: a later post of that other form gets only
// its own (EarlierUnansweredOther), the body's own stay as they were.
func TestUnansweredInOtherFormCountedApart(t *testing.T) {
	tests := []struct {
		name       string
		fails      []error // the posts before the last, in order
		own, other int     // what the last post sees
	}{
		{"own form only", []error{&httpx.HTTPError{Op: "complete", Attempts: 3, Unanswered: 3}}, 3, 0},
		{"own form, then the other", []error{&httpx.HTTPError{Op: "complete", Attempts: 3, Unanswered: 3},
			InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 3, Unanswered: 2})}, 3, 2},
		{"the other form twice", []error{InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 2, Unanswered: 1}),
			InOtherForm(&httpx.HTTPError{Op: "data", Attempts: 2, Unanswered: 2})}, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, rec := putLeased(t)
			for _, fail := range append(tt.fails, nil) {
				var own, other int
				p := posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error {
					own, other = EarlierUnanswered(ctx), EarlierUnansweredOther(ctx)
					return fail
				})
				if _, err := s.Send(context.Background(), p, rec, 0); (err == nil) != (fail == nil) {
					t.Fatalf("Send = %v, want %v", err, fail)
				}
				if fail == nil {
					if own != tt.own || other != tt.other {
						t.Errorf("the last post saw %d unanswered of its own form, %d of the other; want %d, %d", own, other, tt.own, tt.other)
					}
					return
				}
				r, ok, err := s.Claim(rec.ID)
				if err != nil || !ok {
					t.Fatalf("Claim = %v, %v", ok, err)
				}
				rec = r
			}
		})
	}
}
