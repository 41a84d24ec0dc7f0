package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/injectkit/injectkit/signatures"
)

// The checker's errors (strictjson.go): the path they name, spelled only
// for an error, and the wording of what is not JSON, which is
// encoding/json's: its Decoder.Token walked the file before the checker
// read the bytes itself, and every error of an inject file's JSON has
// read so since.

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
	return c.invalid(off, path, "", "unknown field (known: "+s.known()+")")
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
// The decoder reads from the value's end on, after a null standing for
// the value where the decoder would be (a list's item, an object's member
// or the request itself).
func (c *checker) ahead(err error) error {
	prefix, tokens := "null", 1 // where the decoder stands, in JSON
	switch {
	case len(c.path) == 0:
	case c.path[len(c.path)-1].index >= 0:
		prefix, tokens = "[null", 2
	default:
		prefix, tokens = `{"":null`, 3
	}
	dec := json.NewDecoder(io.MultiReader(strings.NewReader(prefix), bytes.NewReader(c.data[c.i:])))
	dec.UseNumber()
	for range tokens {
		if _, err := dec.Token(); err != nil {
			return err // not reached: the prefix is JSON
		}
	}
	_, next := dec.Token()
	var se *json.SyntaxError
	if !errors.As(next, &se) {
		return err
	}
	return &posError{off: badByte(c.data, se), err: fmt.Errorf("invalid JSON: %w", next)}
}

// wordSyntax returns the error of data, which is not JSON, as
// encoding/json's decoder words it, at its offset.
func wordSyntax(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		_, err := dec.Token()
		var se *json.SyntaxError
		switch {
		case err == nil:
			continue
		case errors.As(err, &se):
			return &posError{off: badByte(data, se), err: fmt.Errorf("invalid JSON: %w", err)}
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return &posError{off: int64(len(data)), err: fmt.Errorf("invalid JSON: %w", io.ErrUnexpectedEOF)}
		}
		return &posError{off: dec.InputOffset(), err: err}
	}
}

// badByte returns the offset of the byte at fault in data, which the
// decoder found is not JSON (se): where encoding/json's scanner, reading
// data whole, stops. The decoder's own offset counts the bytes of the
// values it decoded alone, not the delimiters, keys' colons, commas and
// white space between them, nor the byte at fault when it is one of them:
// an error far down a file was placed near its top.
func badByte(data []byte, se *json.SyntaxError) int64 {
	var whole *json.SyntaxError
	if errors.As(json.Unmarshal(data, new(json.RawMessage)), &whole) {
		// The offset is just past the byte at fault.
		return max(whole.Offset-1, 0)
	}
	return max(se.Offset-1, 0) // not reached: the decoder and the scanner read JSON alike
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
