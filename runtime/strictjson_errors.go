package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/signatures"
)

// The checker's errors (strictjson.go): the path they name, spelled only
// for an error, and the wording of what is not JSON, which is
// encoding/json's: its Decoder.Token walked the file before the checker
// read the bytes itself, and every error of an inject file's JSON has
// read so since. The decoder words it reading the file from where the
// checker found it, not from the top.

// pathString is the path of the value being checked: targets[2].value,
// params["odd key"], "" for the request.
func (c *checker) pathString() string {
	p := ""
	for _, s := range c.path {
		if s.index >= 0 {
			p = fmt.Sprintf("%s[%d]", p, s.index)
		} else {
			p = join(p, string(s.key))
		}
	}
	return p
}

// keyPath is the path of key in the object being checked.
func (c *checker) keyPath(key []byte) string { return join(c.pathString(), string(key)) }

// inList reports whether the value being checked is an item of a list,
// or a value whose path ends in a bracket all the same (params["odd key"]).
func (c *checker) inList() bool {
	s := c.path[len(c.path)-1]
	return s.index >= 0 || !plain(string(s.key))
}

// topKey reports whether the value being checked is the request's key.
func (c *checker) topKey(key string) bool {
	return len(c.path) == 1 && c.path[0].index < 0 && string(c.path[0].key) == key
}

func (c *checker) unknown(off int64, path, key string, s *shape) error {
	if want := s.keyOf(key); want != "" {
		return c.invalid(off, path, "", fmt.Sprintf("unknown field; keys are case-sensitive: write %s", want))
	}
	reason := "unknown field (known: " + s.known() + ")"
	if near := fold.Closest(key, s.names()); near != "" {
		reason += ": did you mean " + near + "?"
	}
	return c.invalid(off, path, "", reason)
}

func (c *checker) wrongType(off int64, path string, s *shape, got, value string) error {
	if path == "" {
		return &posError{off: off, err: fmt.Errorf("the file holds %s, want a JSON object", got)}
	}
	return c.invalid(off, path, value, fmt.Sprintf("wrong JSON type: %s, want %s", got, s.describe()))
}

func (c *checker) invalid(off int64, path, value, reason string) error {
	return &posError{off: off, err: &signatures.ValidationError{Field: fieldName(path),
		Value: signatures.Shorten(value, maxEcho), Reason: reason}}
}

// at places err, when not nil, at off.
func at(off int64, err error) error {
	if err == nil {
		return nil
	}
	return &posError{off: off, err: err}
}

// ahead returns err, the error of the value other than an object or
// array just read, unless encoding/json's decoder, reading the token after
// it, fails as the JSON is malformed: the value refused may be the start
// of a malformed one (the decoder reads 0300 as 0 then fails on 300, -05
// as -0), and the JSON's own error comes first, as for any other value.
func (c *checker) ahead(err error) error {
	s := afterRequest
	switch {
	case len(c.path) == 0:
	case c.path[len(c.path)-1].index >= 0:
		s = afterItem
	default:
		s = afterObjectValue
	}
	off, next := nextToken(c.data, c.i, s)
	var se *json.SyntaxError
	if !errors.As(next, &se) {
		return err
	}
	return &posError{off: off, err: fmt.Errorf("invalid JSON: %w", next)}
}

// stand is where encoding/json's decoder stands between two tokens.
type stand uint8

const (
	atStart          stand = iota // before the request
	afterObjectStart              // after a '{'
	afterKey                      // after an object's key
	afterObjectValue              // after the value of an object's key
	afterArrayStart               // after a '['
	afterItem                     // after an item of an array
	afterRequest                  // after a value that is the whole file
)

// json is JSON that sets the decoder standing as s, a null standing for
// any value, and the number of its tokens.
func (s stand) json() (prefix string, tokens int) {
	switch s {
	case afterObjectStart:
		return "{", 1
	case afterKey:
		return `{""`, 2
	case afterObjectValue:
		return `{"":null`, 3
	case afterArrayStart:
		return "[", 1
	case afterItem:
		return "[null", 2
	case afterRequest:
		return "null", 1
	}
	return "", 0
}

// malformed is where the checker found that the file is not JSON: the
// decoder, standing at from as stands says, fails to read its next token.
type malformed struct {
	from   int
	stands stand
}

func (m *malformed) Error() string { return "invalid JSON" }

// malformedValue is the malformed value at start, read where the value
// being checked is.
func (c *checker) malformedValue(start int) error {
	switch {
	case len(c.path) == 0:
		return &malformed{start, atStart}
	case c.path[len(c.path)-1].index == 0:
		return &malformed{start, afterArrayStart}
	case c.path[len(c.path)-1].index > 0:
		return &malformed{start, afterItem}
	}
	return &malformed{start, afterKey}
}

// word returns the error of data where m is, as encoding/json's decoder
// words it, at the byte at fault.
func (m *malformed) word(data []byte) error {
	off, err := nextToken(data, m.from, m.stands)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return &posError{off: off, err: fmt.Errorf("invalid JSON: %w", err)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &posError{off: int64(len(data)), err: fmt.Errorf("invalid JSON: %w", io.ErrUnexpectedEOF)}
	case err == nil:
		err = errSyntax // not reached: the checker and the decoder read JSON alike
	}
	return &posError{off: int64(m.from), err: err}
}

// nextToken returns the offset of the byte at fault, for a syntax error,
// and the error of the token encoding/json's decoder reads next in data
// from from on, standing as s says. It reads the file from there alone,
// after JSON that sets it standing so: an error at the end of a large
// file costs no walk of the file.
func nextToken(data []byte, from int, s stand) (int64, error) {
	prefix, tokens := s.json()
	dec := json.NewDecoder(io.MultiReader(strings.NewReader(prefix), bytes.NewReader(data[from:])))
	dec.UseNumber()
	for range tokens {
		if _, err := dec.Token(); err != nil {
			return int64(from), err // not reached: the prefix is JSON
		}
	}
	_, err := dec.Token()
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return 0, err
	}
	return badByte(data, from, prefix), err
}

// badByte returns the offset of the byte at fault in data from from on,
// read after prefix (as nextToken reads it): where encoding/json's scanner
// stops. The decoder's own offset counts the bytes of the values it
// decoded alone, not the delimiters, keys' colons, commas and white space
// between them, nor the byte at fault when it is one of them: an error
// far down a file was placed near its top. The scanner reads a growing
// window of the file, the error being in the token after from.
func badByte(data []byte, from int, prefix string) int64 {
	for n := 512; ; n *= 8 {
		end := min(from+n, len(data))
		b := append([]byte(prefix), data[from:end]...)
		var se *json.SyntaxError
		if !errors.As(json.Unmarshal(b, new(json.RawMessage)), &se) {
			return int64(end) // not reached: the decoder found an error there
		}
		if se.Offset >= int64(len(b)) && end < len(data) {
			continue // the window may have cut the token short
		}
		// The offset is just past the byte at fault.
		return int64(from) + max(se.Offset-1, 0) - int64(len(prefix))
	}
}

// plain reports whether key is a short plain name: a path spells it
// .key, not ["key"].
func plain(key string) bool {
	if key == "" || len(key) > maxEcho {
		return false
	}
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// join returns the path of key in the object at path: path.key, or
// path["key"] for a key that is not a short plain name (cut short when
// long).
func join(path, key string) string {
	if !plain(key) {
		return fmt.Sprintf("%s[%q]", path, signatures.Shorten(key, maxEcho))
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldName is the name an error gives path: the path itself, or
// "request" for the whole object.
func fieldName(path string) string {
	if path == "" {
		return "request"
	}
	return path
}

// foldKey returns a key equal for any two strings strings.EqualFold
// matches: each character replaced by the least of its case-folding orbit.
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// typeMeant is ": did you mean DETECTION?" for an expectation type spelled
// near one (DETECTON), as an unknown field or param is answered; "" when
// none is near.
func typeMeant(typed string) string {
	types := []string{string(signatures.Detection), string(signatures.Prevention), string(signatures.Vulnerability)}
	if near := fold.Closest(strings.ToUpper(strings.TrimSpace(typed)), types); near != "" {
		return ": did you mean " + near + "?"
	}
	return ""
}
