package printable

import (
	"testing"
	"unicode"
)

func TestEscape(t *testing.T) {
	controls := func(r rune) bool { return r < ' ' && r != '\n' }
	unprintable := func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }
	tests := []struct {
		name    string
		in      string
		escaped func(rune) bool
		want    string
	}{
		{"plain kept", "apache 2.4", controls, "apache 2.4"},
		{"other scripts kept", "Ünïcödé 日本", unprintable, "Ünïcödé 日本"},
		{"escape sequence", "a\x1b[31mb", controls, `a\x1b[31mb`},
		{"line feed kept when not asked", "a\nb", controls, "a\nb"},
		{"line feed escaped when asked", "a\r\nb", unprintable, `a\r\nb`},
		{"format character", "x\u202ey", unprintable, `x\u202ey`},
		{"line separator", "x\u2028y", unprintable, `x\u2028y`},
		{"C1 control", "x\u0085y", unprintable, `x\u0085y`},
		{"invalid UTF-8", "x\xffy\x80", controls, `x\xffy\x80`},
		{"invalid byte below 0x10", "\xc0\x05", controls, `\xc0\x05`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in, tt.escaped); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
