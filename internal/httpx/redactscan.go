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
}

// formHit is a match of form (its index in forms.form's order) at offset
// at of a text.
type formHit struct{ form, at int32 }

// pairScanner is a formScanner indexing the forms by their first two
// bytes: a form of one byte is indexed under it followed by every byte,
// and by the end of the text (a pair whose second byte is 0, which the
// comparison tells from a real 0).
type pairScanner struct {
	forms [][]byte
	// starts has bit p set when a form starts with pair p (its first
	// byte times 256 plus its second).
	starts [1 << 16 / 64]uint64
	// heads are the indexes into forms of the forms starting with each
	// pair whose bit is set.
	heads map[uint16][]int32
}

// newPairScanner returns the scanner of forms.
func newPairScanner(forms [][]byte) *pairScanner {
	sc := &pairScanner{forms: forms, heads: make(map[uint16][]int32)}
	add := func(p uint16, i int) {
		sc.starts[p/64] |= 1 << (p % 64)
		sc.heads[p] = append(sc.heads[p], int32(i))
	}
	for i, f := range forms {
		switch len(f) {
		case 0:
		case 1:
			for c := range 256 {
				add(uint16(f[0])<<8|uint16(c), i)
			}
		default:
			add(uint16(f[0])<<8|uint16(f[1]), i)
		}
	}
	return sc
}

func (sc *pairScanner) matches(hits []formHit, text string) []formHit {
	for i := range len(text) {
		p := uint16(lowerByte(text[i])) << 8
		if i+1 < len(text) {
			p |= uint16(lowerByte(text[i+1]))
		}
		if sc.starts[p/64]&(1<<(p%64)) == 0 {
			continue
		}
		for _, j := range sc.heads[p] {
			if hasLowerPrefix(text[i:], sc.forms[j]) {
				hits = append(hits, formHit{form: j, at: int32(i)})
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
