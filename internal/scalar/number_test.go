package scalar

import (
	"testing"
)

// FuzzJSONNumber checks that JSONNumber, whose plain integers skip
// the grammar's regexp, takes exactly what the grammar takes (jsonNumber),
// so that an int param's spellings do not depend on the path read.
func FuzzJSONNumber(f *testing.F) {
	for _, s := range []string{"", "-", "0", "-0", "00", "-00", "01", "4", "-4", "10", "123456789012345678901234567890",
		"+1", " 1", "1 ", "1a", "a1", "٣", "1.0", "1.", ".5", "1e3", "1E+3", "-1e-3", "0x10", "--1", "-0-", "0-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := JSONNumber(s), jsonNumber().MatchString(s); got != want {
			t.Errorf("JSONNumber(%q) = %v, the JSON grammar says %v", s, got, want)
		}
	})
}
