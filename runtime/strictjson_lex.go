package runtime

import (
	"bytes"
	"encoding/json"
)

// The checker's reading of JSON's tokens (strictjson.go), as RFC 8259 and
// encoding/json's scanner read them: each function reads the token at c.i
// and moves past it, or returns errSyntax where it is not JSON.

// space moves past white space.
func (c *checker) space() {
	for c.i < len(c.data) {
		switch c.data[c.i] {
		case ' ', '\t', '\r', '\n':
			c.i++
		default:
			return
		}
	}
}

// scalarToken reads a value other than an object or an array: a string
// (kind '"', esc saying whether it holds an escape), a number ('0'), true
// ('t'), false ('f') or null ('n').
func (c *checker) scalarToken() (kind byte, esc bool, err error) {
	switch b := c.data[c.i]; {
	case b == '"':
		esc, err = c.str()
		return '"', esc, err
	case b == 't':
		return b, false, c.literal("true")
	case b == 'f':
		return b, false, c.literal("false")
	case b == 'n':
		return b, false, c.literal("null")
	case b == '-' || b >= '0' && b <= '9':
		return '0', false, c.number()
	}
	return 0, false, errSyntax
}

// str reads a string, reporting whether it holds an escape.
func (c *checker) str() (esc bool, err error) {
	d := c.data
	for i := c.i + 1; i < len(d); {
		switch b := d[i]; {
		case b == '"':
			c.i = i + 1
			return esc, nil
		case b == '\\':
			esc = true
			if i+1 == len(d) {
				return esc, errSyntax
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(d, i+2); !ok {
					return esc, errSyntax
				}
				i += 6
			default:
				return esc, errSyntax
			}
		case b < ' ':
			return esc, errSyntax
		default:
			i++
		}
	}
	return esc, errSyntax
}

// number reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (c *checker) number() error {
	d, i := c.data, c.i
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		return errSyntax
	}
	if i < len(d) && d[i] == '.' {
		if i++; i == len(d) || d[i] < '0' || d[i] > '9' {
			return errSyntax
		}
		i = digits(d, i)
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		if i++; i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i == len(d) || d[i] < '0' || d[i] > '9' {
			return errSyntax
		}
		i = digits(d, i)
	}
	c.i = i
	return nil
}

// digits returns the index of the first byte of d at or after i that is
// not a digit.
func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// literal reads lit (true, false or null).
func (c *checker) literal(lit string) error {
	if !bytes.HasPrefix(c.data[c.i:], []byte(lit)) {
		return errSyntax
	}
	c.i += len(lit)
	return nil
}

// decoded returns the string raw (a string token, its quotes included)
// holds, decoded as encoding/json decodes it when esc says it holds an
// escape.
func decoded(raw []byte, esc bool) string {
	if !esc {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw) // not reached: str read it as a string
	}
	return s
}

// hex4 returns the value of the four hex digits of b at i.
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, h := range b[i : i+4] {
		switch {
		case h >= '0' && h <= '9':
			r = r<<4 | rune(h-'0')
		case h >= 'a' && h <= 'f':
			r = r<<4 | rune(h-'a'+10)
		case h >= 'A' && h <= 'F':
			r = r<<4 | rune(h-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
