package main

import "testing"

// TestTenantsFlag: -tenants makes the token's user a member of the
// tenants given only (openaevtest.WithTenants): a request on another
// tenant's path is refused 403, as 2.4.0's TenantInterceptor refuses it;
// without it, every tenant's path is served.
func TestTenantsFlag(t *testing.T) {
	tests := []struct {
		name, tenant string
		args         []string
		want         int
	}{
		{"member", "t1", []string{"-tenants", "t1,t2"}, 200},
		{"member, repeated flag", "t2", []string{"-tenants", "t1", "-tenants", "t2"}, 200},
		{"no member", "t3", []string{"-tenants", "t1,t2"}, 403},
		{"member of none", "t1", []string{"-tenants", ""}, 403},
		{"no tenant path", "", []string{"-tenants", "t1"}, 200},
		{"no flag: every tenant", "t3", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, stop := start(t, append([]string{"-token", "tok", "-register", "noop", "-inject", "inj-1"}, tt.args...)...)
			defer stop()
			path := "/api/injects/execution/reception/inj-1"
			if tt.tenant != "" {
				path = "/api/tenants/" + tt.tenant + path[len("/api"):]
			}
			if got := post(t, url, path, "tok", `{"tracking_total_count":1}`); got != tt.want {
				t.Errorf("POST %s: %d, want %d", path, got, tt.want)
			}
		})
	}
}
