package openaev

import (
	"unicode/utf8"
)

// The structured output is a JSON document sent as a JSON string: its
// bytes are escaped once more. appendEscaped escapes as json.Marshal does
// (HTML characters too), so that a body assembled piece by piece is the
// one json.Marshal would give, and escapedLen tells how long a piece will
// be once escaped, without building it: the size of a body is known
// before it is built.

const hexDigits = "0123456789abcdef"

// escapedLen returns len(appendEscaped(nil, s)).
func escapedLen(s []byte) int {
	n := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			n += asciiEscapedLen(b)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += len(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			n += len(`\u2028`)
		default:
			n += size
		}
		i += size
	}
	return n
}

func escapedLenString(s string) int { return escapedLen([]byte(s)) }

// asciiEscapedLen is the escaped length of an ASCII byte.
func asciiEscapedLen(b byte) int {
	switch {
	case b == '"' || b == '\\' || b == '\b' || b == '\f' || b == '\n' || b == '\r' || b == '\t':
		return 2
	case b < 0x20 || b == '<' || b == '>' || b == '&':
		return 6
	}
	return 1
}

// appendEscaped appends s escaped as the content of a JSON string (without
// the quotes), as json.Marshal escapes a string.
func appendEscaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch asciiEscapedLen(b) {
			case 1:
				dst = append(dst, b)
			case 2:
				dst = append(dst, '\\', shortEscape(b))
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// shortEscape is the letter of a two-byte escape.
func shortEscape(b byte) byte {
	switch b {
	case '\b':
		return 'b'
	case '\f':
		return 'f'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\t':
		return 't'
	}
	return b // '"' and '\\'
}

// truncateEscaped cuts s, at a rune boundary, so that its escaped length
// is at most max, marking a cut with "…".
func truncateEscaped(s string, max int) string {
	if escapedLenString(s) <= max {
		return s
	}
	const mark = "…"
	budget := max - len(mark)
	n := 0
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		w := escapedLenString(s[i : i+size])
		if n+w > budget {
			return s[:i] + mark
		}
		n += w
		i += size
	}
	return s
}
