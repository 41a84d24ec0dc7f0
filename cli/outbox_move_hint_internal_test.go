package cli

import (
	"strings"
	"testing"
)

// The hint after a 301 or 308 fills --to from the Location only on the
// same host, with the same scheme or http to https: a Location to another
// host, or from https to http, leaves NEW_URL to fill in, so that the
// bodies and their token go nowhere on the backend's word alone. So does
// a Location ending in another inject's callback path: only this one's
// (inj-1) tells where its base URL went.
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
		{"another inject's callback path", "http://127.0.0.1:18795", "https://127.0.0.1:18795/api/injects/inj-10/callback", "NEW_URL"},
		{"another inject's, as a prefix", "http://127.0.0.1:18795", "https://127.0.0.1:18795/api/injects/inj/callback", "NEW_URL"},
		{"the platform's callback path", "http://127.0.0.1:18795", "https://127.0.0.1:18795/x/api/injects/execution/callback/inj-1", "https://127.0.0.1:18795/x"},
		{"another inject's platform callback path", "http://127.0.0.1:18795", "https://127.0.0.1:18795/api/injects/execution/callback/inj-2", "NEW_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := movedHint("injectkit", "", tt.from, tt.location, "inj-1", nil)
			if !strings.HasSuffix(got, " --to "+tt.to) {
				t.Errorf("movedHint(%q, %q) = %q; want --to %s", tt.from, tt.location, got, tt.to)
			}
		})
	}
}
