package httpx

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The views of a server's text the echo check compares with the forms of
// the secrets. A server splitting a secret into pieces shorter than a
// fragment can join them with any separator: a line break written as a
// character reference (&#10; &NewLine;), an HTML <br>, a JSON array's
// quotes and commas, a dash, a bar, an invisible character (U+200B, a soft
// hyphen, an ANSI reset), hex bytes with colons or 0x prefixes. No list of
// separators is complete, so the check compares projections: the text's
// letters and digits alone with those of each form, the text's hex digits
// alone with the hex of each form, once the text's escapes are decoded and
// its tags and control characters dropped.

// cleanText returns s with its HTML and XML character references (named
// ones among htmlNamed and extraNamed) and its URL escapes decoded, in one
// pass a round, up to maxRounds rounds (&amp;#10; in an escaped XML
// message, %25 of an escape, &#37;0A), and its tags (<br />, </p>), ANSI
// escape sequences and control and format characters (a NUL, U+200B, a
// soft hyphen) dropped: what a reader of the text would see of it.
func cleanText(s string) string {
	d := decoded{text: s}
	views := []encoding{{start: '&', esc: runeEscape(viewReference)}, {start: '%', esc: urlEscape}}
	for range maxRounds {
		next, ok := d.decode(views)
		if !ok {
			break
		}
		d = next
	}
	return dropMarkup(d.text)
}

// extraNamed are the named references an HTML page may write a separator
// as, beyond XML's five.
var extraNamed = map[string]rune{
	"newline": '\n', "tab": '\t', "nbsp": '\u00a0', "shy": '\u00ad',
	"zerowidthspace": '\u200b', "nobreak": '\u2060', "zwj": '\u200d', "zwnj": '\u200c',
}

// viewReference is htmlReference with the names of extraNamed too.
func viewReference(s string) (rune, int) {
	if r, n := htmlReference(s); n > 0 {
		return r, n
	}
	end := strings.IndexByte(s[:min(len(s), 16)], ';')
	if end < 2 || s[0] != '&' {
		return 0, 0
	}
	if r, ok := extraNamed[strings.ToLower(s[1:end])]; ok {
		return r, end + 1
	}
	return 0, 0
}

// urlEscape appends to b the byte of the URL escape %XX s starts with
// (hex in either case) and returns its length, 0 when s starts with none:
// a byte, not a rune, so that the escapes of a character's UTF-8 bytes
// (%C3%A9) decode to it.
func urlEscape(b []byte, s string) ([]byte, int) {
	if len(s) < 3 || s[0] != '%' || !isHex(s[1:3]) {
		return b, 0
	}
	return append(b, unhex(s[1])<<4|unhex(s[2])), 3
}

// unhex is the value of the hex digit c.
func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// dropMarkup returns s without its tags (a '<' followed by a letter, '/'
// or '!', up to the next '>'), its ANSI escape sequences (ESC '[', digits
// and ';', a letter) and its control and format characters.
func dropMarkup(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<' && i+1 < len(s) && (isASCIILetter(s[i+1]) || s[i+1] == '/' || s[i+1] == '!'):
			if j := strings.IndexByte(s[i:], '>'); j > 0 {
				i += j + 1
				continue
			}
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && isASCIILetter(s[j]) {
				i = j + 1
				continue
			}
		}
		r, n := rune(c), 1
		if c >= 0x80 {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		if !unicode.Is(unicode.Cc, r) && !unicode.Is(unicode.Cf, r) || r == '\n' || r == '\t' || r == '\r' {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isASCIILetter reports whether c is an ASCII letter.
func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// alnum returns the ASCII letters and digits of s, lowercased: its
// projection, where any separator between a secret's pieces is gone.
func alnum(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'z':
			b = append(b, c)
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// hexDigits returns the hex digits of s, lowercased, without the 0x of a
// C-style byte (0x74,0x38): a secret's hex written with colons, commas,
// spaces or 0x prefixes between its bytes reads as it.
func hexDigits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '0' && i+1 < len(s) && s[i+1]|0x20 == 'x' {
			i++
			continue
		}
		switch {
		case c >= '0' && c <= '9' || c >= 'a' && c <= 'f':
			b = append(b, c)
		case c >= 'A' && c <= 'F':
			b = append(b, c+'a'-'A')
		}
	}
	return string(b)
}

// jwtHeader returns how many bytes of secret are a JWT's header segment
// (the base64url of a JSON object, up to the first '.'), the same in every
// JWT signed alike: none of it is a piece of this secret. 0 when secret
// is no JWT.
func jwtHeader(secret string) int {
	i := strings.IndexByte(secret, '.')
	if i < 0 || !strings.HasPrefix(secret, "eyJ") || strings.Count(secret, ".") != 2 {
		return 0
	}
	return i + 1
}
