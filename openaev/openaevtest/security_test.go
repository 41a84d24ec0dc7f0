package openaevtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestSecurityAnswers: the platform's security layer answers before any
// route, as 2.4.0's Spring Security does: CSRF refuses an unsafe request
// without exactly "Bearer " and no cookie (403, Spring Boot's error JSON,
// no message), and an unauthenticated request to /api/** is a 401 with an
// empty body; the token filter takes "bearer" case aside, and a plain
// token, for what CSRF lets through.
func TestSecurityAnswers(t *testing.T) {
	const callback = "/api/injects/execution/callback/i1"
	body := `{"execution_message":"m","execution_status":"INFO","execution_action":"command_execution"}`
	tests := []struct {
		name, method, path, auth string
		cookies                  map[string]string
		xsrf                     string
		want                     int
		bootJSON                 bool // Spring Boot's error JSON, else an empty body (or the route's)
	}{
		{"POST without a token", http.MethodPost, callback, "", nil, "", 403, true},
		{"POST on a tenant path without a token", http.MethodPost, "/api/tenants/t1" + callback[4:], "", nil, "", 403, true},
		{"POST with lowercase bearer, the right token", http.MethodPost, callback, "bearer " + token, nil, "", 403, true},
		{"POST with a plain token", http.MethodPost, callback, token, nil, "", 403, true},
		{"POST with Bearer and a cookie", http.MethodPost, callback, "Bearer " + token, map[string]string{"JSESSIONID": "x"}, "", 403, true},
		{"POST with a token the platform does not know", http.MethodPost, callback, "Bearer nope", nil, "", 401, false},
		{"POST with Bearer and the CSRF token echoed", http.MethodPost, callback, "Bearer " + token, map[string]string{"XSRF-TOKEN": "c1"}, "c1", 200, false},
		{"POST with Bearer", http.MethodPost, callback, "Bearer " + token, nil, "", 200, false},
		{"GET without a token", http.MethodGet, "/api/settings/version", "", nil, "", 401, false},
		{"GET with a token the platform does not know", http.MethodGet, "/api/injects/i1", "Bearer nope", nil, "", 401, false},
		{"GET with lowercase bearer", http.MethodGet, "/api/injects/i1", "bearer " + token, nil, "", 200, false},
		{"GET with a plain token", http.MethodGet, "/api/injects/i1", token, nil, "", 200, false},
		{"GET with the token cookie", http.MethodGet, "/api/injects/i1", "", map[string]string{"openaev_token": token}, "", 200, false},
		{"GET of the public settings without a token", http.MethodGet, "/api/settings/public", "", nil, "", 200, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			p.AddInject("i1", "c1")
			var rd io.Reader
			if tt.method == http.MethodPost {
				rd = strings.NewReader(body)
			}
			req, err := http.NewRequest(tt.method, p.URL+tt.path, rd)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			for k, v := range tt.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			if tt.xsrf != "" {
				req.Header.Set("X-XSRF-TOKEN", tt.xsrf)
			}
			resp, b := doRequest(t, req)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.want, b)
			}
			switch {
			case tt.bootJSON:
				var doc map[string]any
				if err := json.Unmarshal(b, &doc); err != nil || doc["status"] != float64(tt.want) || doc["error"] != "Forbidden" ||
					doc["path"] != tt.path || doc["timestamp"] == nil || doc["message"] != nil {
					t.Errorf("body %s, want Spring Boot's error JSON for %s", b, tt.path)
				}
			case tt.want == 401 && len(b) != 0:
				t.Errorf("401 with a body %q, want none", b)
			}
		})
	}
}
