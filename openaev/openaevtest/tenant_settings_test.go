package openaevtest_test

import (
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSettingsHaveNoTenantRoute: 2.4.0's PlatformSettingsApi maps
// /api/settings, /api/settings/version and /api/settings/public alone
// (@RequestMapping("/api/settings"), no TENANT_PREFIX variant, unlike the
// injector, inject, endpoint and findings routes): a settings path under a
// tenant is no route, a 404, so that a client asking there is caught.
func TestSettingsHaveNoTenantRoute(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	for _, tt := range []struct {
		path string
		want int
	}{
		{"/api/settings/version", 200},
		{"/api/settings", 200},
		{"/api/tenants/t1/settings/version", 404},
		{"/api/tenants/t1/settings", 404},
	} {
		req, err := http.NewRequest(http.MethodGet, p.URL+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.path, resp.StatusCode, tt.want)
		}
	}
}
