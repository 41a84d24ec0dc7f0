// Package printable owns how text that came from outside (a file's path, a
// search engine's error message) is written where a person reads it: a
// terminal, a log line, a platform's execution message. The caller says
// which characters must not reach the reader as they are; printable writes
// those, and every byte that is not UTF-8, as Go escapes them in a quoted
// string, and keeps the rest as it is.
package printable

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape returns s with every rune for which escaped reports true
// written as Go writes it in a quoted string (\x1b, \r, \u202e, \u0085)
// and every byte that is not UTF-8 as \xff; printable text, in any
// script, is kept. s is returned as it is when nothing needs escaping.
func Escape(s string, escaped func(rune) bool) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, escaped) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case escaped(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
