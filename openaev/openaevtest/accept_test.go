package openaevtest_test

import (
	"net/http"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSettingsContentNegotiation (rule 1, accept.go): the version route
// answers the version as it is, of the type Spring's negotiation picks
// from the Accept header; GET /api/settings answers JSON or a 406.
func TestSettingsContentNegotiation(t *testing.T) {
	p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
	const profile = "application/json, text/plain;q=0.9, */*;q=0.8" // what openaev.Client sends
	tests := []struct {
		name, path, accept string
		status             int
		ctype, body        string
	}{
		{"the profile's Accept", "/api/settings/version", profile, 200, "application/json", "2.4.0"},
		{"no Accept", "/api/settings/version", "", 200, "text/plain;charset=ISO-8859-1", "2.4.0"},
		{"any", "/api/settings/version", "*/*", 200, "text/plain;charset=ISO-8859-1", "2.4.0"},
		{"text first", "/api/settings/version", "text/plain, application/json;q=0.5", 200, "text/plain;charset=ISO-8859-1", "2.4.0"},
		{"JSON wanted less", "/api/settings/version", "text/*;q=0.4, application/json;q=0.5", 200, "application/json", "2.4.0"},
		{"a +json type", "/api/settings/version", "application/problem+json", 200, "application/problem+json", "2.4.0"},
		{"any application type", "/api/settings/version", "application/*", 200, "application/json", "2.4.0"},
		// The String converter writes any concrete type, a charset added.
		{"XML", "/api/settings/version", "application/xml", 200, "application/xml;charset=ISO-8859-1", "2.4.0"},
		{"no concrete type", "/api/settings/version", "image/*", 406, "", ""},
		{"an Accept Spring cannot parse", "/api/settings/version", "text", 406, "", ""},
		{"a q out of range", "/api/settings/version", "text/plain;q=2", 406, "", ""},
		{"settings, the profile's Accept", "/api/settings", profile, 200, "application/json", ""},
		{"settings, no Accept", "/api/settings", "", 200, "application/json", ""},
		{"settings as text", "/api/settings", "text/plain", 406, "", ""},
		{"public settings as text", "/api/settings/public", "text/plain", 406, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, p.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, b := doRequest(t, req)
			if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.status, tt.ctype)
			}
			if (tt.body != "" || tt.status != 200) && string(b) != tt.body {
				t.Errorf("body %q, want %q", b, tt.body)
			}
		})
	}
}
