package httpx

// The scan of a text for the forms of a Redactor's secrets. A secret has
// some sixty forms (raw, escaped, base64, base32, hex, reversed, each of
// the forms it travels in), and each log line is searched for all of them
// in each of its decoded texts: searching for each form in turn reads the
// line once a form. The scanner reads it once: an index of the forms by
// their first two bytes, built with the Redactor, tells at each offset of
// the text which forms may start there, and only those are compared.

// formScanner finds the forms of a Redactor's secrets in a text.
type formScanner interface {
	// matches appends to hits every match in text of a form (see
	// forms.form), overlapping ones included, the text's ASCII letters
	// compared lowercased: the forms are.
	matches(hits []formHit, text string) []formHit
	// foldMatches appends to hits every match in text of a form that
	// may match beyond ASCII case (see forms.fold), by simple folding.
	foldMatches(hits []foldHit, text string) []foldHit
}

// formHit is a match of form (its index in forms.form's order) at offset
// at of a text.
type formHit struct{ form, at int32 }

// pairScanner is a formScanner indexing the forms by their first two
// bytes: a bitmap of the pairs that start a form tells at each offset of
// the text whether any may start there, and the forms starting with the
// offset's byte are listed with their second, so that only those starting
// with the pair are compared. A form of one byte starts with any pair
// whose first byte is its own, the end of the text included.
type pairScanner struct {
	*foldIndex
	forms [][]byte
	// starts has bit p set when a form may start with pair p (its first
	// byte times 256 plus its second, 0 at the end of the text).
	starts [1 << 16 / 64]uint64
	// heads are the forms starting with each byte.
	heads [256][]pairHead
}

// pairHead is a form of a pairScanner: its index and second byte, none
// (two false) for a form of one byte.
type pairHead struct {
	form   int32
	second byte
	two    bool
}

// newPairScanner returns the scanner of forms.
func newPairScanner(forms [][]byte, fold []foldForm) *pairScanner {
	sc := &pairScanner{forms: forms, foldIndex: newFoldIndex(fold)}
	for i, f := range forms {
		switch len(f) {
		case 0:
		case 1:
			for c := range 256 {
				p := uint16(f[0])<<8 | uint16(c)
				sc.starts[p/64] |= 1 << (p % 64)
			}
			sc.heads[f[0]] = append(sc.heads[f[0]], pairHead{form: int32(i)})
		default:
			p := uint16(f[0])<<8 | uint16(f[1])
			sc.starts[p/64] |= 1 << (p % 64)
			sc.heads[f[0]] = append(sc.heads[f[0]], pairHead{form: int32(i), second: f[1], two: true})
		}
	}
	return sc
}

func (sc *pairScanner) matches(hits []formHit, text string) []formHit {
	for i := range len(text) {
		c, next := lowerByte(text[i]), byte(0)
		if i+1 < len(text) {
			next = lowerByte(text[i+1])
		}
		if p := uint16(c)<<8 | uint16(next); sc.starts[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, h := range sc.heads[c] {
			if (!h.two || h.second == next) && hasLowerPrefix(text[i:], sc.forms[h.form]) {
				hits = append(hits, formHit{form: h.form, at: int32(i)})
			}
		}
	}
	return hits
}

// hasLowerPrefix reports whether t starts with f, a form ASCII lowercased,
// t's ASCII letters compared lowercased.
func hasLowerPrefix(t string, f []byte) bool {
	if len(t) < len(f) {
		return false
	}
	for k, c := range f {
		if lowerByte(t[k]) != c {
			return false
		}
	}
	return true
}

// lowerByte returns c lowercased if it is an ASCII letter.
func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// form returns the i-th of fs's forms, long ones first, then short ones,
// and whether it matches as a word only (a short one; see wordAt).
func (fs *forms) form(i int) ([]byte, bool) {
	if i < len(fs.long) {
		return fs.long[i], false
	}
	return fs.short[i-len(fs.long)], true
}

// all returns fs's forms in form's order.
func (fs *forms) all() [][]byte {
	return append(fs.long[:len(fs.long):len(fs.long)], fs.short...)
}
