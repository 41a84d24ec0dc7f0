package openaev

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// The platform stores the text of a callback (the message, findings,
// signature values) in PostgreSQL, which refuses U+0000: in TEXT through
// its JDBC driver, in jsonb itself. A callback holding one is lost after
// its 200 (see openaevtest rule 12). So no JSON the profile sends holds
// U+0000: every one is written U+FFFD, the replacement character: as
// the escape \ufffd where the JSON escapes it (the length of \u0000, so
// the sizes of a body are the same with it or without), as its UTF-8
// bytes in a text finding, replaced before the finding is measured
// (withoutNUL).

// nulEscape is U+0000 as encoding/json (and appendEscaped) writes it.
var nulEscape = []byte(`\u0000`)

// scrubNUL rewrites, in place, every U+0000 of the strings of b, one
// level of JSON text (as encoding/json writes it: a string's content
// escaped once), as U+FFFD, and returns b: each escape \u0000 becomes
// \ufffd, the same length. Text that only reads \u0000 (an escaped
// backslash, \\, then u0000), or a JSON document a string holds (escaped
// twice), is left as it is: scrub a document before it is escaped again.
func scrubNUL(b []byte) []byte {
	if bytes.Index(b, nulEscape) < 0 {
		return b
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		// b[i] starts an escape: valid JSON has a backslash nowhere else.
		if bytes.HasPrefix(b[i+1:], nulEscape[1:]) {
			copy(b[i+2:], "fffd")
		}
		i++ // the escaped character, which may be a backslash
	}
	return b
}

// execution is Execution without its MarshalJSON.
type execution Execution

// MarshalJSON encodes e as json.Marshal encodes its fields, but for every
// U+0000 of its strings, and of the document OutputStructured holds,
// written U+FFFD (the escape \ufffd): the platform's database refuses U+0000, and
// the callback would be lost.
func (e Execution) MarshalJSON() ([]byte, error) {
	if strings.Contains(e.OutputStructured, `\u0000`) {
		e.OutputStructured = string(scrubNUL([]byte(e.OutputStructured)))
	}
	b, err := json.Marshal(execution(e))
	if err != nil {
		return nil, err
	}
	return scrubNUL(b), nil
}

// textWithoutNUL returns a text finding (a string, or a list of strings)
// with each U+0000 replaced by U+FFFD, as the platform will read it, so
// that its length is measured as sent (see boundText): U+FFFD takes three
// bytes where U+0000 took one. Any other value is returned as it is (its
// U+0000 are replaced when it is encoded).
func textWithoutNUL(v any) any {
	switch x := v.(type) {
	case string:
		return withoutNUL(x)
	case []string:
		return listWithoutNUL(x)
	case []any:
		return listWithoutNUL(x)
	}
	return v
}

// listWithoutNUL returns x with withoutNUL applied to its strings, x
// itself when none holds U+0000.
func listWithoutNUL[E any](x []E) []E {
	var out []E
	for i, item := range x {
		s, ok := any(item).(string)
		if !ok {
			continue
		}
		if t := withoutNUL(s); len(t) != len(s) {
			if out == nil {
				out = slices.Clone(x)
			}
			out[i] = any(t).(E)
		}
	}
	if out == nil {
		return x
	}
	return out
}

// withoutNUL returns s with each U+0000 replaced by U+FFFD.
func withoutNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
