package cli

import "testing"

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
