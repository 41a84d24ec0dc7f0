package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRegisterTenantRefused: OpenAEV 2.4.0 refuses a request on the path
// of a tenant the token's user is no member of (a tenant mistyped,
// unknown or deleted) with 403 TENANT_ACCESS_DENIED. The registration's
// error names the tenant and the setting to check, not the CREATE right
// on INJECTOR that a 403 of the registration otherwise means, and is
// final, as that one is. The tenant the user is a member of registers.
func TestRegisterTenantRefused(t *testing.T) {
	for _, tt := range []struct {
		tenant  string
		refused bool
	}{{"t-typo", true}, {"t-member", false}} {
		t.Run(tt.tenant, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, testToken, openaevtest.WithTenants("t-member"))
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID, Tenant: tt.tenant},
				openaev.WithRetry(4, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Register(context.Background(), testManifests(), false)
			if !tt.refused {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ae *openaev.APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !errors.Is(err, openaev.ErrPermanent) {
				t.Fatalf("err = %v, want a final 403", err)
			}
			for _, want := range []string{`tenant "t-typo"`, "TENANT_ACCESS_DENIED", "--tenant", "INJECTKIT_TENANT"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "CREATE right on INJECTOR") {
				t.Errorf("err = %v, blames the token's rights on injectors", err)
			}
			if n := len(p.Registrations()); n != 1 {
				t.Errorf("%d registration calls, want 1", n)
			}
		})
	}
}
