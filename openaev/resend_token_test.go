package openaev_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// A resend whose token the platform refuses (401 on the inject's status)
// stops there: no findings search, no callback carrying the refused
// token; the error says the token is refused and keeps the body pending
// (not permanent).
func TestResendStopsAtRefusedToken(t *testing.T) {
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0}`)
	tests := []struct {
		name  string
		index int
		want  int // requests the platform receives
	}{
		{"complete: the status request alone", 0, 1},
		{"data: sent without asking", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := receivedInject(t, "right-token", false)
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "wrong-token"}, openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			before := len(p.AllCalls())
			r := openaev.ResendPoster{Profile: openaev.NewProfile(c, nil, nil)}
			err = r.PostBody(context.Background(), "i1", tt.index, body)
			var ae *openaev.AuthorizationError
			if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(err.Error(), "refuses the token") {
				t.Fatalf("PostBody: %v, want the token refused", err)
			}
			var pe interface{ Permanent() bool }
			if errors.As(err, &pe) && pe.Permanent() {
				t.Errorf("PostBody: %v is permanent: the body would go dead", err)
			}
			if calls := p.AllCalls()[before:]; len(calls) != tt.want {
				t.Errorf("%d requests, want %d: %+v", len(calls), tt.want, calls)
			}
		})
	}
}
