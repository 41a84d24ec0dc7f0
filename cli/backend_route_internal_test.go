package cli

import "testing"

// apiRoute finds a path segment "api" (in any case) and returns the path
// from it on; platformRoot is the URL before it, credentials stripped.
func TestAPIRoute(t *testing.T) {
	tests := []struct{ url, route, root string }{
		{"http://h:8080", "", ""},
		{"http://h:8080/", "", ""},
		{"http://h:8080/aev/", "", ""},
		{"http://h:8080/apis/x", "", ""},
		{"http://h:8080/a%2Fapi/x", "", ""},
		{"http://h:8080/api", "/api", "http://h:8080"},
		{"http://h:8080/api/", "/api", "http://h:8080"},
		{"https://h/aev/API/injectors", "/API/injectors", "https://h/aev"},
		{"http://h:8080/api/injects/x/callback", "/api/injects/x/callback", "http://h:8080"},
		{"http://user:pw@h:8080/p%20q/api/injectors", "/api/injectors", "http://h:8080/p%20q"},
	}
	for _, tt := range tests {
		route := apiRoute(tt.url)
		if route != tt.route {
			t.Errorf("apiRoute(%s) = %q, want %q", tt.url, route, tt.route)
			continue
		}
		if route != "" {
			if root := platformRoot(tt.url, route); root != tt.root {
				t.Errorf("platformRoot(%s) = %q, want %q", tt.url, root, tt.root)
			}
		}
	}
}
