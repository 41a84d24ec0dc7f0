// Package javatext is the one place the openaev profile and its
// openaevtest stand-in take the OpenAEV platform's notion of text that
// is there from: Java's Character.isWhitespace (Whitespace), and Spring's
// StringUtils.hasText and Java's String.isBlank built on it (HasText),
// with which the platform's output processors judge a finding's optional
// part, and its signature processor a signature's type, value and
// target ids, present. Java's whitespace is not Go's unicode.IsSpace:
// U+0085 and the no-break spaces (U+00A0, U+2007, U+202F) are none,
// U+001C to U+001F are.
package javatext

import "unicode"

// Whitespace is Java's Character.isWhitespace: a Unicode space, line or
// paragraph separator but the no-break ones (U+00A0, U+2007, U+202F), or
// one of U+0009 to U+000D and U+001C to U+001F; not U+0085.
func Whitespace(r rune) bool {
	switch {
	case r >= '\t' && r <= '\r', r >= 0x1C && r <= 0x1F:
		return true
	case r == 0xA0 || r == 0x2007 || r == 0x202F:
		return false
	}
	return unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}

// HasText is Spring's StringUtils.hasText: s holds a char that is no
// Whitespace. Its negation is Java's String.isBlank.
func HasText(s string) bool {
	for _, r := range s {
		if !Whitespace(r) {
			return true
		}
	}
	return false
}
