package httpx

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The scan for the forms that may match beyond ASCII case (see
// redact_fold.go), in one pass over a text's characters, as pairScanner
// scans for the others: an index of those forms by each character their
// first one folds with (k, K and K for a form starting with k), built with
// the Redactor, names at each character of the text the few forms that
// may start there, and only those are compared, by simple folding.

// foldHit is a match of fold form form (its index in forms.fold) at
// text[at:end].
type foldHit struct{ form, at, end int32 }

// foldIndex lists the fold forms by each character their first one folds
// with.
type foldIndex struct {
	forms []foldForm
	ascii [utf8.RuneSelf][]int32
	other map[rune][]int32
}

// newFoldIndex returns the index of forms.
func newFoldIndex(forms []foldForm) *foldIndex {
	x := &foldIndex{forms: forms, other: make(map[rune][]int32)}
	for i, f := range forms {
		first, _ := utf8.DecodeRuneInString(f.f)
		r := first
		for {
			if r < utf8.RuneSelf {
				x.ascii[r] = append(x.ascii[r], int32(i))
			} else {
				x.other[r] = append(x.other[r], int32(i))
			}
			if r = unicode.SimpleFold(r); r == first {
				break
			}
		}
	}
	return x
}

// foldMatches appends to hits every match in text of a fold form by
// simple folding; a form of ASCII alone (one holding k or s) only when
// the text holds K or ſ, which alone can match it so.
func (x *foldIndex) foldMatches(hits []foldHit, text string) []foldHit {
	if len(x.forms) == 0 {
		return hits
	}
	ks := -1 // unknown until a form of ASCII alone is a candidate
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		var cands []int32
		if r < utf8.RuneSelf {
			cands = x.ascii[r]
		} else {
			cands = x.other[r]
		}
		for _, j := range cands {
			f := x.forms[j]
			if f.ks && ks < 0 {
				ks = 0
				if holdsKelvinOrLongS(text) {
					ks = 1
				}
			}
			if f.ks && ks == 0 {
				continue
			}
			if m := foldPrefix(text[i:], f.f); m > 0 {
				hits = append(hits, foldHit{form: j, at: int32(i), end: int32(i + m)})
			}
		}
		i += n
	}
	return hits
}

// holdsKelvinOrLongS reports whether s holds K or ſ.
func holdsKelvinOrLongS(s string) bool {
	return strings.Contains(s, kelvin) || strings.Contains(s, longS)
}

// foldSpans appends to spans the bytes of s that matches of the forms in
// d's text by Unicode simple folding came from (see decoded.span), when
// the text holds a non-ASCII character; short forms only where they stand
// as words in s (see wordAt).
func (d decoded) foldSpans(spans [][2]int, s string, fs *forms) [][2]int {
	if len(fs.fold) == 0 || !hasNonASCII(d.text) {
		return spans
	}
	for _, h := range fs.scan.foldMatches(nil, d.text) {
		f := fs.fold[h.form]
		start, end := d.span(int(h.at), int(h.end))
		if !f.word || wordAt(s, start, end, f.f) {
			spans = append(spans, [2]int{start, end})
		}
	}
	return spans
}
