package javatext

import "testing"

// TestHasText: Java's whitespace, not Go's: the no-break spaces and
// U+0085 are text, U+001C to U+001F and the Unicode space separators
// are not.
func TestHasText(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"", false},
		{" ", false},
		{" \t\n\v\f\r", false},
		{"\x1c\x1d\x1e\x1f", false},
		{"\u2003\u2028\u2029\u3000", false},
		{"\u00a0", true},
		{"\u2007", true},
		{"\u202f", true},
		{"\u0085", true},
		{"\x00", true},
		{" x ", true},
	}
	for _, tt := range tests {
		if got := HasText(tt.s); got != tt.want {
			t.Errorf("HasText(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
