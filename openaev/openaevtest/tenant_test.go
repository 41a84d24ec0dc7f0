package openaevtest_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestTenantMembership: a platform whose token's user is a member of
// tenant t1 only (WithTenants) answers a request on another tenant's path
// 403 {"message":"TENANT_ACCESS_DENIED"}, as 2.4.0's TenantInterceptor and
// RestBehavior do, before the request is bound or acted on: no injector
// registered, no reception taken. Its own tenant's paths, and paths
// without a tenant, are served.
func TestTenantMembership(t *testing.T) {
	p := openaevtest.NewPlatform(t, token, openaevtest.WithTenants("t1"))
	p.AddInject("i1", "c1")
	p.Dispatch("i1")
	body, ct := multipartBody(t, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[]}`, "application/json", nil, "")
	tests := []struct {
		name, path  string
		multipart   bool
		wantStatus  int
		wantMessage string
	}{
		{"registration, another tenant", "/api/tenants/t2/injectors", true, 403, "TENANT_ACCESS_DENIED"},
		{"reception, another tenant", "/api/tenants/t2/injects/execution/reception/i1", false, 403, "TENANT_ACCESS_DENIED"},
		{"reception, unbound body, another tenant", "/api/tenants/t2/injects/execution/reception/i1", false, 403, "TENANT_ACCESS_DENIED"},
		{"registration, its tenant", "/api/tenants/t1/injectors", true, 200, ""},
		{"reception, no tenant", "/api/injects/execution/reception/i1", false, 200, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var reply map[string]any
			switch {
			case tt.multipart:
				status, reply = post(t, p, tt.path, token, ct, body)
			case i == 2:
				status, reply = post(t, p, tt.path, token, "application/json", []byte(`[]`))
			default:
				status, reply = postJSON(t, p, tt.path, map[string]any{"tracking_total_count": 1})
			}
			if status != tt.wantStatus {
				t.Fatalf("status %d (%v), want %d", status, reply, tt.wantStatus)
			}
			if tt.wantMessage != "" && (len(reply) != 1 || reply["message"] != tt.wantMessage) {
				t.Errorf("reply %v, want {\"message\": %q}", reply, tt.wantMessage)
			}
		})
	}
	taken := 0
	for _, c := range p.Registrations() {
		if c.Status == 200 {
			taken++
		}
	}
	if n := len(p.Registrations()); n != 2 || taken != 1 {
		t.Errorf("%d registration calls recorded, %d taken; want 2, 1", n, taken)
	}
	if n := len(p.Receptions("i1")); n != 3 {
		t.Errorf("%d receptions recorded, want 3", n)
	}
	if st := p.InjectStatus("i1"); st != "PENDING" {
		t.Errorf("status %q, want PENDING (the tenant's reception taken)", st)
	}
}
