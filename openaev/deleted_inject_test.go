package openaev_test

import (
	"context"
	"errors"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestCallbackForDeletedInject: a terminal callback for an inject the
// platform does not hold (deleted while it ran) is refused for good, a
// 404, with a token that is not an admin's; with an admin token the
// platform answers 200 and loses it, and the client, told nothing else,
// takes it as delivered. The reception is a 404 with either token.
func TestCallbackForDeletedInject(t *testing.T) {
	for _, admin := range []bool{false, true} {
		t.Run(map[bool]string{false: "user token", true: "admin token"}[admin], func(t *testing.T) {
			var opts []openaevtest.Option
			if admin {
				opts = append(opts, openaevtest.WithAdminToken())
			}
			p := openaevtest.NewPlatform(t, testToken, opts...)
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken}, openaev.WithRetry(1, 0))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.Reception(ctx, "gone"); !errors.Is(err, openaev.ErrPermanent) {
				t.Errorf("reception: %v, want a permanent refusal", err)
			}
			err = c.Callback(ctx, "gone", openaev.Execution{Message: "done", Status: openaev.StatusSuccess, Action: "complete"})
			var ae *openaev.APIError
			switch {
			case admin && err != nil:
				t.Errorf("callback with an admin token: %v, want the platform's 200", err)
			case !admin && (!errors.As(err, &ae) || ae.Status != 404 || !errors.Is(err, openaev.ErrPermanent)):
				t.Errorf("callback: %v, want a 404 refused for good", err)
			}
		})
	}
}
