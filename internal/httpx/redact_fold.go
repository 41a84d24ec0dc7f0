package httpx

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matching beyond ASCII case. Lowercasing ASCII letters keeps every byte
// where it is, so a match in the lowered text is one in the text at the
// same offsets: the fast path. A secret echoed with its other letters in
// another case ("ké" as "KÉ"), or with an ASCII letter written as the
// character that folds to it (K, the Kelvin sign, for "k"; ſ, the long
// s, for "s"), is matched by Unicode simple folding (strings.EqualFold's
// rule), which the fast path cannot see: such a match holds a non-ASCII
// character of the text, so a text of ASCII alone is never searched again
// (a secret holding K or ſ echoed in ASCII is the fast path's: see folded).

// kelvin and longS are the non-ASCII characters whose simple folding
// holds an ASCII letter: K (U+212A) folds with k, ſ (U+017F) with s.
const (
	kelvin = "\u212a"
	longS  = "\u017f"
)

// foldForm is a form that may match beyond ASCII case: one holding a
// non-ASCII character, or an ASCII one holding k or s (ks), which only K
// or ſ in the text can match so; word when it matches as a word only.
type foldForm struct {
	f        string
	ks, word bool
}

// foldForms returns the forms of long and short that may match beyond
// ASCII case.
func foldForms(long, short []string) []foldForm {
	var out []foldForm
	for i, forms := range [][]string{long, short} {
		for _, f := range forms {
			switch {
			case hasNonASCII(f):
				out = append(out, foldForm{f: f, word: i == 1})
			case strings.ContainsAny(f, "ks"):
				out = append(out, foldForm{f: f, ks: true, word: i == 1})
			}
		}
	}
	return out
}

// foldPrefix returns the length of the prefix of t equal to f under
// simple folding, or 0. A byte that is not UTF-8 matches itself only.
func foldPrefix(t, f string) int {
	i, j := 0, 0
	for j < len(f) {
		if i >= len(t) {
			return 0
		}
		fr, fn := utf8.DecodeRuneInString(f[j:])
		tr, tn := utf8.DecodeRuneInString(t[i:])
		switch {
		case fr == utf8.RuneError && fn == 1 || tr == utf8.RuneError && tn == 1:
			if fn != tn || t[i] != f[j] {
				return 0
			}
		case !foldEqual(tr, fr):
			return 0
		}
		i, j = i+tn, j+fn
	}
	return i
}

// foldEqual reports whether a and b are equal under Unicode simple
// folding, as strings.EqualFold compares two characters.
func foldEqual(a, b rune) bool {
	if a == b {
		return true
	}
	if a > b {
		a, b = b, a
	}
	if b < utf8.RuneSelf {
		return 'A' <= a && a <= 'Z' && b == a+'a'-'A'
	}
	r := unicode.SimpleFold(a)
	for r != a && r < b {
		r = unicode.SimpleFold(r)
	}
	return r == b
}

// hasNonASCII reports whether s holds a byte outside ASCII.
func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}
