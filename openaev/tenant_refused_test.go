package openaev_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// TestTenantRefusedSaysTheTenant: a platform refusing the tenant to the
// token (403 TENANT_ACCESS_DENIED, its user no member of it: a tenant
// removed while serve runs) makes every request fail alike. serve's
// /healthz reason says the tenant is refused, and the authorization error
// of a refused reception names the tenant and the setting to check, not
// the rights of the token's owner on the platform, which may be whole.
func TestTenantRefusedSaysTheTenant(t *testing.T) {
	p := openaevtest.NewPlatform(t, testToken, openaevtest.WithTenants("t-member"))
	p.AddInject("i1", "c1")
	p.Dispatch("i1")
	v, _ := openaev.ParseVersion(openaevtest.Version24.String())
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: testToken, InjectorID: testInjectorID, Tenant: "t-gone"},
		openaev.WithRetry(2, time.Millisecond), openaev.WithPlatformVersion(v))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := refusedRegistration(t, c), "status 403 (tenant refused: TENANT_ACCESS_DENIED)"; got != want {
		t.Errorf("HealthReason = %q, want %q", got, want)
	}
	_, err = c.Reception(context.Background(), "i1")
	var ae *openaev.APIError
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("Reception = %v, want a 403", err)
	}
	auth := &openaev.AuthorizationError{InjectID: "i1", Status: ae.Status, Err: err}
	msg := auth.Error()
	// serve's /healthz says it (serve.RefusalReasoner), not "check its rights".
	var rr serve.RefusalReasoner = auth
	if r := rr.RefusalReason(); !strings.Contains(r, `tenant "t-gone"`) || !strings.Contains(r, "TENANT_ACCESS_DENIED") ||
		strings.Contains(r, "rights") {
		t.Errorf("RefusalReason = %q, want the tenant refused, not the token's rights", r)
	}
	for _, want := range []string{`tenant "t-gone"`, "TENANT_ACCESS_DENIED", "--tenant", "INJECTKIT_TENANT"} {
		if !strings.Contains(msg, want) {
			t.Errorf("authorization error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "owner's rights") {
		t.Errorf("authorization error %q blames the token owner's rights", msg)
	}
}

// TestRefusalReasonOfTheTokensRights: a 401, and a 403 that is no
// tenant's refusal (the token's rights), have no RefusalReason: serve's
// /healthz says its own, that the token is refused.
func TestRefusalReasonOfTheTokensRights(t *testing.T) {
	for _, status := range []int{401, 403} {
		err := &openaev.APIError{Status: status, Path: "/api/tenants/t1/injects/execution/reception/i1",
			Body: `{"message":"Access denied for user: a@b.c"}`}
		if r := (&openaev.AuthorizationError{InjectID: "i1", Status: status, Err: err}).RefusalReason(); r != "" {
			t.Errorf("status %d: RefusalReason = %q, want none", status, r)
		}
	}
}
