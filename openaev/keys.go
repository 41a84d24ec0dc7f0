package openaev

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A platform message is decoded with encoding/json, which lets the last of
// two equal keys win and matches a struct's fields whatever their case:
// {"inject_id":"a","INJECT_ID":"b"} would run inject a's message and send
// its callbacks to inject b. The platform never writes such a message, so
// ParseMessage refuses it (repeatedKey). encoding/json also reads a string
// that is not UTF-8 with U+FFFD for each bad byte: an asset id, an agent
// id or a target the platform never wrote, which the callbacks would
// name. The platform writes UTF-8 (2.4.0's RabbitmqService.publish:
// getBytes(UTF_8); 1.18's QueueService: getBytes(), Java 21's default
// charset, UTF-8), so the same scan finds such a string (notUTF8).

// keyScan walks a message that is valid JSON and finds the first object
// holding two keys equal but for case (exact repeats included), and, in a
// message that is not UTF-8, the first string that is not. It reads
// body in place and allocates only for a key written with escapes, an
// object of many keys, and the error.
type keyScan struct {
	b    []byte
	i    int
	path []segment  // the keys and indices leading to the value scanned
	keys [][][]byte // per nesting depth, the keys of the object open there
	at   int        // where the repeated key found starts (its quote)
	// utf8 is set for a message that is not UTF-8: bad is then the
	// first string found holding bytes that are not.
	utf8 bool
	bad  struct {
		found bool
		where string // the member it is the value of, or "a key of" one
		at    int    // its first bad byte
		b     byte
	}
}

// segment is one step of a path: an object's key or an array's index.
type segment struct {
	key   []byte
	index int // -1 for a key
}

// repeatedKey returns where body, valid JSON, first repeats a key in one
// object (injection.INJECT_ID), the key as first written there
// (inject_id) and the byte where the repeat starts; "" when no object
// does.
func repeatedKey(body []byte) (where, first string, at int) {
	s := &keyScan{b: body}
	where, first = s.value(0)
	return where, first, s.at
}

// scanError is the *MessageError of a message that repeats a key in an
// object, or else holds a string that is not UTF-8 (named by its member,
// placed at its first bad byte); nil when it does neither. It names the
// inject, which the platform is then told, unless the inject id itself
// is at fault: which inject the message is for is then unknown, and
// nothing is sent.
func scanError(body []byte, injectID string) error {
	s := &keyScan{b: body, utf8: !utf8.Valid(body)}
	where, first := s.value(0)
	var err error
	at := s.at
	switch {
	case where != "":
		err = keyError(where, first)
	case s.bad.found:
		where, at = s.bad.where, s.bad.at
		err = fmt.Errorf("%s is not UTF-8 (the byte 0x%02X): the platform writes UTF-8", where, s.bad.b)
	default:
		return nil
	}
	if strings.EqualFold(where, "injection.inject_id") {
		injectID = ""
	}
	return &MessageError{InjectID: injectID, Reason: "malformed message: " + err.Error(), Err: err, Offset: int64(at), Placed: true}
}

// notUTF8 notes the string raw, at start in the message, when it is the
// first found holding bytes that are not UTF-8: a key of the member
// s.path names when key, else that member's value.
func (s *keyScan) notUTF8(raw []byte, start int, key bool) {
	if s.bad.found || utf8.Valid(raw) {
		return
	}
	i := 0
	for {
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	s.bad.found, s.bad.at, s.bad.b = true, start+i, raw[i]
	switch {
	case !key:
		s.bad.where = s.renderPath().String()
	case len(s.path) == 0:
		s.bad.where = "a key of the message"
	default:
		s.bad.where = "a key of " + s.renderPath().String()
	}
}

func (s *keyScan) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value scans the value at s.i, at nesting depth.
func (s *keyScan) value(depth int) (string, string) {
	s.ws()
	if s.i >= len(s.b) {
		return "", ""
	}
	switch s.b[s.i] {
	case '{':
		return s.object(depth)
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] == ']' {
				s.i++
				return "", ""
			}
			if where, key := s.member(segment{index: n}, depth); where != "" {
				return where, key
			}
		}
	case '"':
		s.str(false)
	default: // a number, true, false or null
		for s.i < len(s.b) && strings.IndexByte(",}] \t\n\r", s.b[s.i]) < 0 {
			s.i++
		}
	}
	return "", ""
}

// object scans an object whose '{' is at s.i.
func (s *keyScan) object(depth int) (string, string) {
	s.i++
	for len(s.keys) <= depth {
		s.keys = append(s.keys, nil)
	}
	s.keys[depth] = s.keys[depth][:0]
	var folded map[string]int // past manyKeys keys: lower-case key -> index in keys
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			s.i++
			return "", ""
		}
		start := s.i
		key := s.str(true)
		keys := s.keys[depth]
		first := -1
		if folded == nil {
			for k, seen := range keys {
				if bytes.EqualFold(seen, key) {
					first = k
					break
				}
			}
		} else if k, ok := folded[foldKey(key)]; ok {
			first = k
		}
		if first >= 0 {
			s.at = start
			return s.render(key), string(keys[first])
		}
		s.keys[depth] = append(keys, key)
		switch {
		case folded != nil:
			folded[foldKey(key)] = len(keys)
		case len(keys)+1 > manyKeys:
			folded = make(map[string]int, 2*manyKeys)
			for k, seen := range s.keys[depth] {
				folded[foldKey(seen)] = k
			}
		}
		s.ws()
		s.i++ // ':'
		if where, rk := s.member(segment{key: key, index: -1}, depth); where != "" {
			return where, rk
		}
	}
}

// foldKey is a key's text with case folded as bytes.EqualFold compares it
// (as near as simple upper and lower mappings go).
func foldKey(key []byte) string { return strings.ToLower(strings.ToUpper(string(key))) }

// manyKeys is the number of keys past which an object's keys are compared
// through a map rather than one by one.
const manyKeys = 16

// str scans the string at s.i and returns its text: the bytes between its
// quotes, unescaped when it holds an escape.
// member scans the value of an array element or object member at seg,
// then the comma after it.
func (s *keyScan) member(seg segment, depth int) (string, string) {
	s.path = append(s.path, seg)
	if where, key := s.value(depth + 1); where != "" {
		return where, key
	}
	s.path = s.path[:len(s.path)-1]
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ',' {
		s.i++
	}
	return "", ""
}

func (s *keyScan) str(key bool) []byte {
	start := s.i + 1
	escaped := false
	for s.i = start; s.i < len(s.b) && s.b[s.i] != '"'; s.i++ {
		if s.b[s.i] == '\\' {
			escaped = true
			s.i++
		}
	}
	raw := s.b[start:min(s.i, len(s.b))]
	s.i++ // the closing quote
	if s.utf8 {
		s.notUTF8(raw, start, key)
	}
	if !escaped {
		return raw
	}
	var text string
	if json.Unmarshal(s.b[start-1:s.i], &text) != nil {
		return raw
	}
	return []byte(text)
}

// render writes the path to key, dotted: injection.inject_content.outcome,
// assets[2].asset_id.
func (s *keyScan) render(key []byte) string {
	b := s.renderPath()
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	writeKey(b, key)
	return b.String()
}

// renderPath writes the path to the value scanned, dotted.
func (s *keyScan) renderPath() *strings.Builder {
	var b strings.Builder
	for _, seg := range s.path {
		if seg.index >= 0 {
			b.WriteString("[" + strconv.Itoa(seg.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		writeKey(&b, seg.key)
	}
	return &b
}

// writeKey writes a key of a path, an empty one as "" (never nothing).
func writeKey(b *strings.Builder, key []byte) {
	if len(key) == 0 {
		b.WriteString(`""`)
		return
	}
	b.Write(key)
}

// keyError is the error of a message repeating, at where, the key first
// written as first.
func keyError(where, first string) error {
	also := ""
	if !strings.HasSuffix(where, "."+first) && where != first {
		also = " (as " + strconv.Quote(first) + " before: keys are matched whatever their case)"
	}
	return fmt.Errorf("key %s given twice%s: the platform writes each key once", where, also)
}
