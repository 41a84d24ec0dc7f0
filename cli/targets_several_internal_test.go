package cli

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
)

// FuzzSeveralAdvice: whatever a refused target holds (input from outside:
// a line of a targets file, a flag's value), the advice says it holds N
// targets only when it splits, at white space and commas, into N ≥ 2
// pieces.
func FuzzSeveralAdvice(f *testing.F) {
	for _, s := range []string{"127.0.0.1 127.0.0.2", "localhost,127.0.0.0/31,::1", "a b", "a;b c", "127.0.0.1", ",,", "fe80::1%lo x",
		"10.0.0.1-5 10.0.0.6", "a\u00a0b", "\xff b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, s := range []targetSource{{kind: fromTargetFile, name: "h.txt"}, {kind: fromFlags, name: "--target"}} {
			got := severalAdvice(s, v)
			if got == "" {
				continue
			}
			n := len(strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }))
			if !strings.HasPrefix(got, fmt.Sprintf("; it holds %d targets: ", n)) {
				t.Fatalf("severalAdvice(%q) = %q: want %d targets", v, got, n)
			}
			if n < 2 {
				t.Fatalf("severalAdvice(%q) = %q for %d piece(s)", v, got, n)
			}
		}
	})
}
