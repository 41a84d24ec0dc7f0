package cli

import (
	"strings"
	"testing"
)

// A token is bound to its backend; the same backend written in another
// case, with credentials, a trailing slash, its scheme's default port or
// another spelling of its IP address, is still that backend. The
// configured URL's credentials go to that backend only (sent is the URL a
// flush sends a body stored for stored to).
func TestSameBackend(t *testing.T) {
	tests := []struct {
		stored, configured string
		want               bool
		sent               string
	}{
		{"http://127.0.0.1:18602", "http://127.0.0.1:18602", true, "http://127.0.0.1:18602"},
		{"HTTP://127.0.0.1:18602", "http://127.0.0.1:18602/", true, "HTTP://127.0.0.1:18602"},
		{"https://Backend.Example.com/base", "https://backend.example.com/base/", true, "https://Backend.Example.com/base"},
		{"https://u:pw@backend.example.com", "https://backend.example.com", true, "https://u:pw@backend.example.com"},
		{"https://backend.example.com/b", "https://u:p%40w@Backend.example.com/b/", true, "https://u:p%40w@backend.example.com/b"},
		{"https://backend.example.com/Base", "https://u:pw@backend.example.com/base", false, "https://backend.example.com/Base"}, // paths keep their case
		{"https://backend.example.com", "https://u:pw@other.example.com", false, "https://backend.example.com"},
		{"http://127.0.0.1:1", "http://u:pw@127.0.0.1:2", false, "http://127.0.0.1:1"},
		{"http://127.0.0.1:1", "", false, "http://127.0.0.1:1"},
		// A scheme's default port, an IP address's spelling: one backend.
		{"http://127.0.0.1:80/x", "http://127.0.0.1/x", true, "http://127.0.0.1:80/x"},
		{"https://127.0.0.1", "https://u:pw@127.0.0.1:443/", true, "https://u:pw@127.0.0.1"},
		{"http://127.0.0.1:080", "http://127.0.0.1", true, "http://127.0.0.1:080"},
		{"http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080", true, "http://[0:0:0:0:0:0:0:1]:8080"},
		{"http://[::A]:8080", "http://[::a]:8080/", true, "http://[::A]:8080"},
		{"http://127.0.0.1:443", "https://127.0.0.1", false, "http://127.0.0.1:443"},
		{"https://127.0.0.1:80", "http://127.0.0.1", false, "https://127.0.0.1:80"},
		{"http://127.0.0.1/a?x=1", "http://127.0.0.1/a?x=2", false, "http://127.0.0.1/a?x=1"},
		{"http://[::1]:8080", "http://127.0.0.1:8080", false, "http://[::1]:8080"},
	}
	for _, tt := range tests {
		if got := sameBackend(tt.stored, tt.configured); got != tt.want {
			t.Errorf("sameBackend(%q, %q) = %v, want %v", tt.stored, tt.configured, got, tt.want)
		}
		if got := withCredentials(tt.stored, tt.configured); got != tt.sent {
			t.Errorf("withCredentials(%q, %q) = %q, want %q", tt.stored, tt.configured, got, tt.sent)
		}
	}
}

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
