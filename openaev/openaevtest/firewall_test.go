package openaevtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestFirewallRefusesBeforeAnyRoute: an inject id holding '/', '\\', ';'
// or '%', escaped into the path as the profile escapes it, is refused
// 400 by the platform's HTTP firewall (2.4.0: Spring Security's default
// StrictHttpFirewall, Tomcat's for %2F) with Spring Boot's error JSON,
// before the token, the route or the inject is looked at: the inject,
// which the platform holds under that id in this test, is not received.
// An id the firewall lets through is routed.
func TestFirewallRefusesBeforeAnyRoute(t *testing.T) {
	tests := []struct {
		id, path string // path: the URL path as sent, when not the reception's of id
		reason   string // "" when routed
	}{
		{id: "../x", reason: "encoded slash"},
		{id: "a/b", reason: "encoded slash"},
		{id: "a%2Fb", reason: "encoded percent sign"},
		{id: "a;b", reason: "encoded semicolon"},
		{id: `a\b`, reason: "encoded backslash"},
		{id: "a%b", reason: "encoded percent sign"},
		{id: "i1", path: "/api/injects/execution/reception/i1;jsessionid=1", reason: "a semicolon"},
		{id: "i1", path: "/api/injects/execution/reception/%2e%2e/i1", reason: "encoded period"},
		{id: "i1", path: "/api/injects/execution//reception/i1", reason: "double slash"},
		{id: "i1", path: "/api/injects/execution/x/../reception/i1", reason: "not normalized"},
		{id: "i1"},
		{id: "a b?c#d"}, // %20, %3F, %23: decoded by the server, routed
		{id: "a..b"},
	}
	for _, tt := range tests {
		t.Run(tt.id+tt.path, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			p.AddInject(tt.id, "c1")
			path := tt.path
			if path == "" {
				path = "/api/injects/execution/reception/" + url.PathEscape(tt.id)
			}
			req, err := http.NewRequest(http.MethodPost, p.URL+path, strings.NewReader(`{"tracking_total_count":1}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			calls := p.AllCalls()
			if len(calls) != 1 {
				t.Fatalf("%d calls recorded, want 1", len(calls))
			}
			if tt.reason == "" {
				if resp.StatusCode != http.StatusOK || p.InjectStatus(tt.id) != "PENDING" {
					t.Errorf("status %d, inject %s, want 200 and PENDING (routed): %s", resp.StatusCode, p.InjectStatus(tt.id), body)
				}
				return
			}
			var boot struct {
				Status int    `json:"status"`
				Error  string `json:"error"`
			}
			if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &boot) != nil || boot.Status != 400 || boot.Error != "Bad Request" {
				t.Errorf("answer %d %s, want 400 with Spring Boot's error JSON", resp.StatusCode, body)
			}
			if c := calls[0]; c.Status != http.StatusBadRequest || !strings.Contains(c.Reason, tt.reason) {
				t.Errorf("call status %d reason %q, want 400 and %q", c.Status, c.Reason, tt.reason)
			}
			if st := p.InjectStatus(tt.id); st != "QUEUING" {
				t.Errorf("inject %q is %s, want QUEUING (never received)", tt.id, st)
			}
		})
	}
}
