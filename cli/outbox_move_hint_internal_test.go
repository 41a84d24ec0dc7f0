package cli

import (
	"strings"
	"testing"
)

// The hint after a 301 or 308 fills --to from the Location only on the
// same host, with the same scheme or http to https: a Location to another
// host, or from https to http, leaves NEW_URL to fill in, so that the
// bodies and their token go nowhere on the backend's word alone.
func TestMovedHintFillsToOnlyOnTheSameHost(t *testing.T) {
	const path = "/api/injects/inj-1/callback"
	tests := []struct {
		name, from, location, to string
	}{
		{"http to https, same host", "http://backend.example.com", "https://backend.example.com" + path, "https://backend.example.com"},
		{"same scheme, another port and prefix", "http://127.0.0.1:8080", "http://127.0.0.1:9090/v2" + path, "http://127.0.0.1:9090/v2"},
		{"host in another case", "https://Backend.example.com", "https://backend.example.com/new" + path, "https://backend.example.com/new"},
		{"another host", "https://backend.example.com", "https://evil.example.net" + path, "NEW_URL"},
		{"https to http", "https://backend.example.com", "http://backend.example.com/new" + path, "NEW_URL"},
		{"http to https, another host", "http://backend.example.com", "https://other.example.com" + path, "NEW_URL"},
		{"no callback path", "http://backend.example.com", "https://backend.example.com/login", "NEW_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := movedHint("injectkit", "", tt.from, tt.location)
			if !strings.HasSuffix(got, " --to "+tt.to) {
				t.Errorf("movedHint(%q, %q) = %q; want --to %s", tt.from, tt.location, got, tt.to)
			}
		})
	}
}
