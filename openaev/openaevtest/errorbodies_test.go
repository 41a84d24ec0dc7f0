package openaevtest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestErrorBodies: the platform's error answers carry 2.4.0's bodies: a
// @NotBlank failure RestBehavior's ValidationErrorBag naming every blank
// field; what Spring refuses itself (a body Jackson cannot read, a
// Content-Type it does not read) Spring Boot's error JSON, no message; an
// inject it does not have RestBehavior's "Element not found: " and the
// exception's message, PermissionService's for a token that is not an
// admin's, none ("null") for the handler's own lookup; a scripted 404 on
// an inject's callback (FailComplete) that same message, the only 404
// 2.4.0 answers there.
func TestErrorBodies(t *testing.T) {
	const cb = "/api/injects/execution/callback/i1"
	tests := []struct {
		name, method, path, contentType, body string
		admin, reset, gone                    bool
		status                                int
		want                                  map[string]any // the body's fields; "timestamp" only said present
	}{
		{"blank execution_message", http.MethodPost, cb, "application/json", `{"execution_message":" ","execution_status":"INFO"}`, false, false, false, 400,
			map[string]any{"code": 400.0, "message": "Validation Failed", "errors": map[string]any{"children": map[string]any{
				"execution_message": map[string]any{"errors": []any{"must not be blank"}}}}}},
		{"both blank", http.MethodPost, cb, "application/json", `{}`, false, false, false, 400,
			map[string]any{"code": 400.0, "message": "Validation Failed", "errors": map[string]any{"children": map[string]any{
				"execution_message": map[string]any{"errors": []any{"must not be blank"}},
				"execution_status":  map[string]any{"errors": []any{"must not be blank"}}}}}},
		{"body not JSON", http.MethodPost, cb, "application/json", `{"execution_message":`, false, false, false, 400,
			map[string]any{"timestamp": true, "status": 400.0, "error": "Bad Request", "path": cb}},
		{"JSON not an object", http.MethodPost, cb, "application/json", `[1]`, false, false, false, 400,
			map[string]any{"timestamp": true, "status": 400.0, "error": "Bad Request", "path": cb}},
		{"Content-Type not read", http.MethodPost, cb, "text/plain", `{}`, false, false, false, 415,
			map[string]any{"timestamp": true, "status": 415.0, "error": "Unsupported Media Type", "path": cb}},
		{"inject not held", http.MethodGet, "/api/injects/nope", "", "", false, false, false, 404,
			map[string]any{"message": "Element not found: Inject not found with id: nope"}},
		{"inject not held, an admin's token", http.MethodGet, "/api/injects/nope", "", "", true, false, false, 404,
			map[string]any{"message": "Element not found: null"}},
		{"reception JSON not an object", http.MethodPost, "/api/injects/execution/reception/i1", "application/json", `[]`, false, false, false, 400,
			map[string]any{"timestamp": true, "status": 400.0, "error": "Bad Request", "path": "/api/injects/execution/reception/i1"}},
		{"reception of an inject without a status", http.MethodPost, "/api/injects/execution/reception/i1", "application/json",
			`{"tracking_total_count":1}`, false, true, false, 404, map[string]any{"message": "Element not found: null"}},
		{"complete scripted 404", http.MethodPost, cb, "application/json", `{"execution_message":"m","execution_status":"SUCCESS","execution_action":"complete"}`,
			false, false, true, 404, map[string]any{"message": "Element not found: Inject not found with id: i1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []openaevtest.Option
			if tt.admin {
				opts = append(opts, openaevtest.WithAdminToken())
			}
			p := openaevtest.NewPlatform(t, token, opts...)
			p.AddInject("i1", "c1")
			if tt.reset {
				p.ResetInject("i1")
			}
			if tt.gone {
				p.FailComplete("i1", http.StatusNotFound, 1)
			}
			req, err := http.NewRequest(tt.method, p.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, b := doRequest(t, req)
			var got map[string]any
			if resp.StatusCode != tt.status || json.Unmarshal(b, &got) != nil {
				t.Fatalf("%d %s, want %d and JSON", resp.StatusCode, b, tt.status)
			}
			if _, ok := tt.want["timestamp"]; ok {
				if _, ok := got["timestamp"].(string); !ok {
					t.Errorf("no timestamp in %s", b)
				}
				got["timestamp"] = true
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("body %s, want %v", b, tt.want)
			}
		})
	}
}

// TestErrorBodiesBeforeRBAC: on 1.x (1.18.19) the inject routes look
// nothing up before the handler, whatever the token: an inject the
// platform does not have is the handler's ElementNotFoundException,
// without a message, on its GET and its reception.
func TestErrorBodiesBeforeRBAC(t *testing.T) {
	tests := []struct{ name, method, path, body string }{
		{"GET", http.MethodGet, "/api/injects/nope", ""},
		{"reception", http.MethodPost, "/api/injects/execution/reception/nope", `{"tracking_total_count":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersionString("1.18.19"))
			req, err := http.NewRequest(tt.method, p.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, b := doRequest(t, req)
			if want := `{"message":"Element not found: null"}`; resp.StatusCode != http.StatusNotFound || string(b) != want {
				t.Errorf("%d %s, want 404 %s", resp.StatusCode, b, want)
			}
		})
	}
}

// TestSettingsBeforeRBAC: 1.x maps GET /api/settings alone, its
// platform_version there; /api/settings/version and /api/settings/public,
// added since, are no route: Spring Boot's 404.
func TestSettingsBeforeRBAC(t *testing.T) {
	tests := []struct {
		path    string
		status  int
		version any // the body's platform_version; nil: Boot's 404
	}{
		{"/api/settings", http.StatusOK, "1.18.19"},
		{"/api/settings/version", http.StatusNotFound, nil},
		{"/api/settings/public", http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersionString("1.18.19"))
			req, err := http.NewRequest(http.MethodGet, p.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "application/json")
			resp, b := doRequest(t, req)
			var got map[string]any
			if resp.StatusCode != tt.status || json.Unmarshal(b, &got) != nil {
				t.Fatalf("%d %s, want %d and JSON", resp.StatusCode, b, tt.status)
			}
			if tt.version != nil && got["platform_version"] != tt.version {
				t.Errorf("platform_version %v, want %v", got["platform_version"], tt.version)
			}
			if tt.version == nil && (got["error"] != "Not Found" || got["path"] != tt.path) {
				t.Errorf("body %s, want Spring Boot's 404 for %s", b, tt.path)
			}
		})
	}
}

// TestNoRouteAnswers: what Spring itself answers a request no route of
// 2.4.0 takes, after the security layer: a path no controller maps is
// Spring Boot's 404 (NoResourceFoundException; HomeApi's SPA catch-all
// leaves /api alone), and a path a route maps for other methods Boot's
// 405 naming them in Allow (HttpRequestMethodNotSupportedException),
// neither in RestBehavior's {"message": …} (it handles neither).
func TestNoRouteAnswers(t *testing.T) {
	tests := []struct {
		name, method, path string
		status             int
		allow              string // the Allow header of a 405
	}{
		{"the seed's callback route: PUT /api/injects/{exerciseId}/{injectId} only", http.MethodPost, "/api/injects/i1/callback",
			http.StatusMethodNotAllowed, "PUT"},
		{"a tenant's seed callback route", http.MethodPost, "/api/tenants/t1/injects/i1/callback", http.StatusMethodNotAllowed, "PUT"},
		{"POST on GET /api/injects/{injectId}", http.MethodPost, "/api/injects/i1", http.StatusMethodNotAllowed, "GET"},
		{"GET on the callback route", http.MethodGet, "/api/injects/execution/callback/i1", http.StatusMethodNotAllowed, "POST"},
		{"GET on the reception route", http.MethodGet, "/api/injects/execution/reception/i1", http.StatusMethodNotAllowed, "POST"},
		{"no route", http.MethodPost, "/api/nothing/here", http.StatusNotFound, ""},
		{"no route under injects", http.MethodPost, "/api/injects/i1/callback/more", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			p.AddInject("i1", "c")
			req, err := http.NewRequest(tt.method, p.URL+tt.path, strings.NewReader(`{"tracking_total_count":1}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, b := doRequest(t, req)
			var got map[string]any
			if resp.StatusCode != tt.status || json.Unmarshal(b, &got) != nil {
				t.Fatalf("%d %s, want %d and JSON", resp.StatusCode, b, tt.status)
			}
			if got["status"] != float64(tt.status) || got["error"] != http.StatusText(tt.status) || got["path"] != tt.path ||
				got["timestamp"] == nil || got["message"] != nil {
				t.Errorf("body %s, want Spring Boot's error JSON for %d on %s", b, tt.status, tt.path)
			}
			if a := resp.Header.Get("Allow"); a != tt.allow {
				t.Errorf("Allow %q, want %q", a, tt.allow)
			}
			if st := p.InjectStatus("i1"); st != "QUEUING" {
				t.Errorf("inject %s after the call, want it untouched (QUEUING)", st)
			}
		})
	}
}
