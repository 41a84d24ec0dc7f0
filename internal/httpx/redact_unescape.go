package httpx

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxUnescapes is how many times a text's JSON escapes are decoded: a
// body that \u-escaped the secret (once), quoted in an error text (twice),
// written in a JSON log line (three times).
const maxUnescapes = 3

// maxRounds is how many escapes deep unescapedSpans decodes a text, one
// encoding a round: a secret encoded twice (%252D, &#37;2D, \u00252D,
// &amp;#45;) inside the JSON escapes of maxUnescapes quotings (the first
// quoting writing the reference's "&" as \u0026, as encoding/json does),
// or \u-escaped inside four. The bound keeps the work linear in the
// text's length.
const maxRounds = maxUnescapes + 2

// unescapedSpans appends to spans the bytes of s that hold the forms of
// the secrets once the escapes of s are decoded, composed, up to
// maxRounds deep: rather than every mix of escaped and raw characters, it
// decodes the text and looks for the forms (ASCII lowercased) in each
// decoded text lowercased, each match mapped back to the bytes of s it
// came from; long match anywhere, short only where they stand as words in
// s (see wordAt). The encodings (see encodings):
//   - JSON escapes: any character \u-escaped, as Java's Gson writes "="
//     ("\u003d"), "'" and "<>&", and as any JSON encoder may write any
//     character (hex in either case, a surrogate pair above U+FFFF), the
//     backslash of the escape doubled by a quoting;
//   - HTML and XML character references (&#38; &#x26; &#X0026; &amp;
//     &apos;…), as an error page or an XML answer may echo them;
//   - percent escapes (%XX, hex in either case: "standin%2Dtoken"), as a
//     value given URL-encoded by hand or by a tool may hold them.
//
// Each round decodes the escapes of every encoding the text holds, in one
// pass, towards the text's fixed point: a secret encoded twice, by any two
// of them ("standin%252Dtoken", "standin&#37;2Dtoken": a percent sign
// encoded in turn), is found two rounds down. When the text holds escapes
// of more than one encoding, the round also searches it with each
// encoding's alone decoded (a secret holding "%41" echoed in an HTML page
// is not to have it read as "A"). Each text is searched once; the rounds
// and their texts are bounded, so the work stays linear in the text's
// length. A text holding none of the escapes adds none: its plain forms
// are matched already.
func unescapedSpans(spans [][2]int, s string, fs *forms) [][2]int {
	var seenBuf [4 * (len(encodings) + 1)]string // on the stack
	seen := seenBuf[:0]                          // the decoded texts searched
	search := func(d decoded) {
		if !slices.Contains(seen, d.text) {
			seen = append(seen, d.text)
			spans = d.find(spans, s, fs)
		}
	}
	d, json := decoded{text: s}, false
	// js is a text holding escapes of JSON's and another encoding's with
	// its JSON escapes alone decoded, then decoded so round after round: a
	// secret holding what reads as another encoding's escape ("%41",
	// "&lt;"), echoed inside quotings (its \u escapes' backslashes
	// doubled), is found there, those left as they are.
	var js decoded
	jsLive, dLive := false, true
	for range maxRounds {
		if jsLive {
			var next decoded
			if next, jsLive = js.unescape(); jsLive {
				search(next)
				js = next
			}
		}
		if !dLive {
			if !jsLive {
				break
			}
			continue
		}
		var heldBuf [len(encodings)]encoding
		held := heldBuf[:0]
		for _, e := range encodings {
			if e.holds(d.text, json) {
				held = append(held, e)
			}
		}
		if len(held) > 1 {
			for i := range held {
				if one, ok := d.decode(held[i : i+1]); ok {
					search(one)
					if i == 0 && held[0].start == '\\' && !jsLive {
						js, jsLive = one, true
					}
				}
			}
		}
		next, ok := d.decode(held)
		if dLive = ok; !ok {
			continue
		}
		search(next)
		d, json = next, held[0].start == '\\'
	}
	return spans
}

// encoding is an encoding unescapedSpans decodes: the byte its escapes
// start with, the decoder of one (which appends what it decodes and
// returns its length, 0 when the text at hand starts with none), and
// whether a text may hold one (json: the text is JSON-decoded already).
type encoding struct {
	start byte
	esc   func([]byte, string) ([]byte, int)
	holds func(text string, json bool) bool
}

// encodings are the encodings unescapedSpans decodes, JSON's first: JSON
// escapes in a text holding a "\u", or a backslash once JSON-decoded (a
// \" doubled by a quoting: the escapes of a quoted body), HTML and XML
// character references in a text with a '&' followed by a ';', percent
// escapes in a text with a '%' followed by two hex digits.
var encodings = [...]encoding{
	{'\\', runeEscape(jsonEscape), func(text string, json bool) bool {
		return strings.Contains(text, `\u`) || json && strings.IndexByte(text, '\\') >= 0
	}},
	{'&', runeEscape(htmlReference), func(text string, _ bool) bool {
		i := strings.IndexByte(text, '&')
		return i >= 0 && strings.IndexByte(text[i:], ';') >= 0
	}},
	{'%', urlEscape, func(text string, _ bool) bool { return holdsPercentEscape(text) }},
}

// holdsPercentEscape reports whether s holds a '%' followed by two hex
// digits.
func holdsPercentEscape(s string) bool {
	for i := strings.IndexByte(s, '%'); i >= 0 && i+2 < len(s); {
		if isHex(s[i+1 : i+3]) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '%')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// runeEscape turns a decoder of one escape to a rune (its rune and
// length, 0 when s starts with none) into one appending its UTF-8.
func runeEscape(esc func(string) (rune, int)) func([]byte, string) ([]byte, int) {
	return func(b []byte, s string) ([]byte, int) {
		r, n := esc(s)
		if n == 0 {
			return b, 0
		}
		return utf8.AppendRune(b, r), n
	}
}

// decoded is a text decoded from s: byte j of text came from
// s[from[j]:to[j]] (nil slices: text is s).
type decoded struct {
	text     string
	from, to []int
}

// span returns the bytes of s that text[i:j] came from.
func (d decoded) span(i, j int) (int, int) {
	if d.from == nil {
		return i, j
	}
	return d.from[i], d.to[j-1]
}

// unescape decodes the JSON escapes of d's text (\uXXXX, a surrogate pair,
// \" \\ \/ \b \f \n \r \t); a backslash starting none is kept. ok is false
// when the text has none.
func (d decoded) unescape() (decoded, bool) { return d.decode(encodings[:1]) }

// decode decodes, in one pass, the escapes of d's text of each of encs
// (of the first whose escape the text at hand starts with); a byte
// starting none is kept. ok is false when the text has none.
func (d decoded) decode(encs []encoding) (decoded, bool) {
	s := d.text
	if !slices.ContainsFunc(encs, func(e encoding) bool { return strings.IndexByte(s, e.start) >= 0 }) {
		return d, false
	}
	out := decoded{from: make([]int, 0, len(s)), to: make([]int, 0, len(s))}
	b := make([]byte, 0, len(s))
	changed := false
	for i := 0; i < len(s); {
		n, was := 1, len(b)
		if nb, size := escapeAt(b, s[i:], encs); size > 0 {
			n, b, changed = size, nb, true
		} else {
			b = append(b, s[i])
		}
		from, to := d.span(i, i+n)
		for range len(b) - was {
			out.from, out.to = append(out.from, from), append(out.to, to)
		}
		i += n
	}
	out.text = string(b)
	return out, changed
}

// escapeAt appends to b what the escape of one of encs s starts with
// decodes to, and returns its length, 0 when s starts with none.
func escapeAt(b []byte, s string, encs []encoding) ([]byte, int) {
	for _, e := range encs {
		if s[0] == e.start {
			if nb, n := e.esc(b, s); n > 0 {
				return nb, n
			}
		}
	}
	return b, 0
}

// htmlNamed are the named references htmlReference decodes: XML's five,
// which HTML shares.
var htmlNamed = map[string]rune{"amp": '&', "lt": '<', "gt": '>', "quot": '"', "apos": '\''}

// maxReference is the longest character reference htmlReference decodes:
// "&#x" and 8 digits (leading zeros) and ";".
const maxReference = 12

// htmlReference decodes the HTML or XML character reference s starts
// with (&#38; &#x26; &#X26; with or without leading zeros, or a named one
// of htmlNamed, in any case) and returns its length, 0 when s starts with
// none.
func htmlReference(s string) (rune, int) {
	end := strings.IndexByte(s[:min(len(s), maxReference)], ';')
	if len(s) < 3 || s[0] != '&' || end < 0 {
		return 0, 0
	}
	body := s[1:end]
	if body == "" || body[0] != '#' {
		r, ok := htmlNamed[strings.ToLower(body)]
		if !ok {
			return 0, 0
		}
		return r, end + 1
	}
	digits, base := body[1:], 10
	if digits != "" && (digits[0] == 'x' || digits[0] == 'X') {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n > utf8.MaxRune || !utf8.ValidRune(rune(n)) {
		return 0, 0
	}
	return rune(n), end + 1
}

// jsonEscape decodes the JSON escape s starts with, and returns its length,
// 0 when s starts with none (a lone surrogate is none).
func jsonEscape(s string) (rune, int) {
	if len(s) < 2 || s[0] != '\\' {
		return 0, 0
	}
	if i := strings.IndexByte(`"\/bfnrt`, s[1]); i >= 0 {
		return rune("\"\\/\b\f\n\r\t"[i]), 2
	}
	r, ok := hex4(s)
	switch {
	case !ok:
		return 0, 0
	case !utf16.IsSurrogate(r):
		return r, 6
	}
	if r2, ok := hex4(s[min(6, len(s)):]); ok {
		if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
			return dec, 12
		}
	}
	return 0, 0
}

// hex4 decodes the \uXXXX escape s starts with (hex in either case).
func hex4(s string) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[2:6]) {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// find appends to spans the bytes of s that each of fs.long, and each of
// fs.short standing as a word in s, came from in d's text, whatever its case
// (the forms are ASCII lowercased; see foldSpans beyond ASCII): fs.scan
// finds them all in one pass over the text.
func (d decoded) find(spans [][2]int, s string, fs *forms) [][2]int {
	for _, h := range fs.scan.matches(nil, d.text) {
		f, word := fs.form(int(h.form))
		start, end := d.span(int(h.at), int(h.at)+len(f))
		if !word || wordAt(s, start, end, f) {
			spans = append(spans, [2]int{start, end})
		}
	}
	return d.foldSpans(spans, s, fs)
}

// replaceSpans replaces the bytes of s in spans, overlapping ones merged,
// with Redacted.
func replaceSpans(s string, spans [][2]int) string {
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] < end; i++ {
			end = max(end, spans[i][1])
		}
		b.WriteString(s[last:start])
		b.WriteString(Redacted)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}
