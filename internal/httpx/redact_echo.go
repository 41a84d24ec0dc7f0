package httpx

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// What word-by-word redaction cannot see. A server may echo a secret split
// over lines: the base64 of its request headers wrapped at 76 columns
// (MIME), a hexdump (hex bytes and an ASCII column, 16 bytes a line), the
// secret itself broken across lines. No list of dump formats is ever
// complete, so rather than cut each word by word, ServerText looks at the
// text once redacted with its whitespace and line structure removed, and
// for a hexdump-like text at its hex digits joined and its ASCII column
// joined: when a form of a secret, or a long enough fragment of one,
// remains there, it withholds the whole text, never a part.

// echoFragment is how many bytes of a secret a fragment of one of its
// forms carries at least for ServerText to withhold a text holding it:
// 12 characters of a raw secret, 24 hex digits, 16 base64 characters.
// A secret shorter than minFragmentSecret is looked for whole.
const (
	echoFragment      = 12
	minFragmentSecret = 16
)

// ServerText returns s, the text of a server's answer, redacted as Redact
// does, or, when a secret remains in it across lines or the columns of a
// dump (see echoFinder), a note saying how long it was and why it is
// withheld, none of it shown.
func (r *Redactor) ServerText(s string) string {
	red := r.Redact(s)
	if r.echo.finds(red) {
		return WithheldText(len(s))
	}
	return red
}

// withheldFormat is WithheldText's.
const withheldFormat = "[server text withheld: it echoed a secret (%d bytes)]"

// WithheldText is what ServerText returns in place of a server's text of n
// bytes that echoed a secret redaction could not cut out: n is the length
// of the text looked at, for an error answer (ReadErrorBody) its first
// 4 KiB, or all of it when shorter.
func WithheldText(n int) string {
	return fmt.Sprintf(withheldFormat, n)
}

// IsWithheld reports whether s is a note of WithheldText.
func IsWithheld(s string) bool {
	var n int
	_, err := fmt.Sscanf(s, withheldFormat, &n)
	return err == nil && s == WithheldText(n)
}

// echoFinder finds the forms of secrets, or fragments of them, in a text
// with its whitespace and line structure removed, and in its projections
// (see redact_views.go). Its fragments are built on first use: only a
// server's error text is searched.
type echoFinder struct {
	secrets []string // of ShortSecret bytes or more
	once    sync.Once
	grams   gramSet // of the forms with whitespace removed
	alnums  gramSet // of the forms' letters and digits
	hexes   gramSet // of the hex of the forms a client sends
}

// gramSet holds fragments by length.
type gramSet map[int]map[string]bool

// add adds the fragments of f of n bytes, those starting at skip or
// later.
func (g gramSet) add(f string, n, skip int) {
	if n == 0 || n > len(f) {
		return
	}
	if g[n] == nil {
		g[n] = map[string]bool{}
	}
	for i := skip; i+n <= len(f); i++ {
		g[n][f[i:i+n]] = true
	}
}

// in reports whether v holds one of g's fragments.
func (g gramSet) in(v string) bool {
	for n, grams := range g {
		for i := 0; i+n <= len(v); i++ {
			if grams[v[i:i+n]] {
				return true
			}
		}
	}
	return false
}

// fragment returns how many bytes of form f, of a secret of size bytes,
// carry echoFragment bytes of it (the whole form for a secret shorter
// than minFragmentSecret), and how many of its first bytes hold no more
// than the hdr first bytes of the secret (a JWT's header, common to all).
func fragment(f string, size, hdr int) (n, skip int) {
	if size < minFragmentSecret {
		return len(f), 0
	}
	n = min(len(f), (echoFragment*len(f)+size-1)/size)
	skip = (hdr*len(f) + size - 1) / size
	return n, skip
}

// build gathers, for each secret, of each of its forms every fragment
// carrying echoFragment bytes of the secret (its length scaled by the
// form's to the secret's), or the whole form for a secret shorter than
// minFragmentSecret, but for the fragments of a JWT's header: with
// whitespace removed and ASCII lowercased, as their letters and digits
// (for a secret of echoFragment letters and digits or more), and of its
// hex forms as hex digits.
func (e *echoFinder) build() {
	e.grams, e.alnums, e.hexes = gramSet{}, gramSet{}, gramSet{}
	for _, secret := range e.secrets {
		hdr := jwtHeader(secret)
		proj := len(alnum(secret))
		for _, t := range travelForms(secret) {
			for _, f := range slices.Concat(secretForms(t), base64Cores(t), wideForms(t)) {
				f = strings.ToLower(withoutSpace(f))
				n, skip := fragment(f, len(secret), hdr)
				e.grams.add(f, n, skip)
				if p := alnum(f); proj >= echoFragment {
					n, skip := fragment(p, proj, hdr)
					e.alnums.add(p, n, skip)
				}
			}
			h := hex.EncodeToString([]byte(t))
			n, skip := fragment(h, len(secret), hdr)
			e.hexes.add(h, n, skip)
		}
	}
}

// finds reports whether s holds a form of a secret or a fragment of one:
// with its whitespace removed, or its hex digits or its ASCII column
// joined when it reads as a hexdump; or, once cleaned (see cleanText),
// in its letters and digits or in its hex digits. s is looked at as it is
// and with its JSON escapes decoded (see jsonViews).
func (e *echoFinder) finds(s string) bool {
	if len(e.secrets) == 0 {
		return false
	}
	e.once.Do(e.build)
	for _, t := range jsonViews(s) {
		views := []string{withoutSpace(t)}
		if hex, ascii, ok := hexdump(t); ok {
			views = append(views, hex, withoutSpace(ascii))
		}
		for _, v := range views {
			if e.grams.in(strings.ToLower(v)) {
				return true
			}
		}
		c := cleanText(t)
		if e.grams.in(strings.ToLower(withoutSpace(c))) || e.alnums.in(alnum(c)) || e.hexes.in(hexDigits(c)) {
			return true
		}
	}
	return false
}

// jsonViews returns s and, when it holds JSON escapes, s with them
// decoded, up to maxUnescapes times: in a JSON error body ({"error": …})
// a line break is the two characters \n, which withoutSpace keeps.
func jsonViews(s string) []string {
	views := []string{s}
	d := decoded{text: s}
	for range maxUnescapes {
		next, ok := d.unescape()
		if !ok {
			break
		}
		d = next
		views = append(views, d.text)
	}
	return views
}

// withoutSpace returns s without its whitespace.
func withoutSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// hexdump returns, when at least two lines of s read as lines of a
// hexdump (an optional offset, groups of hex digits, an ASCII column: as
// xxd, hexdump -C or Python's bytes.hex(' ') with the printable bytes
// beside them write it), their hex digits joined and their ASCII columns
// joined.
func hexdump(s string) (hex, ascii string, ok bool) {
	var h, a strings.Builder
	lines := 0
	for line := range strings.Lines(s) {
		digits, col := dumpLine(strings.TrimRight(line, "\r\n"))
		if digits == "" {
			continue
		}
		lines++
		h.WriteString(digits)
		a.WriteString(col)
	}
	return h.String(), a.String(), lines >= 2
}

// dumpLine returns the hex digits of a line of a hexdump and its ASCII
// column (what follows them, without hexdump -C's bars), none when the line
// starts with fewer than two groups of hex digits.
func dumpLine(line string) (digits, col string) {
	var d strings.Builder
	groups, i := 0, 0
	for first := true; ; first = false {
		j := i
		for j < len(line) && line[j] == ' ' {
			j++
		}
		k := j
		for k < len(line) && line[k] != ' ' {
			k++
		}
		field := line[j:k]
		offset := strings.TrimSuffix(field, ":")
		switch {
		case field == "":
		case first && isHex(offset) && (offset != field || len(field) > 4):
			i = k // an offset: xxd's "00000010:", hexdump -C's "00000010"
			continue
		case isHex(field) && len(field)%2 == 0 && len(field) <= 8:
			d.WriteString(field)
			groups++
			i = k
			continue
		}
		break
	}
	if groups < 2 {
		return "", ""
	}
	col = strings.TrimPrefix(line[i:], "  ")
	col = strings.TrimSuffix(strings.TrimPrefix(col, "|"), "|")
	return d.String(), col
}

// isHex reports whether s is a run of hex digits.
func isHex(s string) bool {
	return s != "" && strings.Trim(s, "0123456789abcdefABCDEF") == ""
}
