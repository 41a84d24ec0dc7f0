package cli

import "testing"

// A token is bound to its backend; the same backend written in another
// case, with credentials or a trailing slash, is still that backend.
func TestSameBackend(t *testing.T) {
	tests := []struct {
		stored, configured string
		want               bool
	}{
		{"http://127.0.0.1:18602", "http://127.0.0.1:18602", true},
		{"HTTP://127.0.0.1:18602", "http://127.0.0.1:18602/", true},
		{"https://Backend.Example.com/base", "https://backend.example.com/base/", true},
		{"https://u:pw@backend.example.com", "https://backend.example.com", true},
		{"https://backend.example.com/Base", "https://backend.example.com/base", false}, // paths keep their case
		{"https://backend.example.com", "https://other.example.com", false},
		{"http://127.0.0.1:1", "http://127.0.0.1:2", false},
		{"http://127.0.0.1:1", "", false},
	}
	for _, tt := range tests {
		if got := sameBackend(tt.stored, tt.configured); got != tt.want {
			t.Errorf("sameBackend(%q, %q) = %v, want %v", tt.stored, tt.configured, got, tt.want)
		}
	}
}
