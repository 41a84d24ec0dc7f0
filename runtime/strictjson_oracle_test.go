package runtime

// The checker checkJSON replaced (thirty-ninth session), walking the file
// with encoding/json's Decoder.Token, which spent most of the intake of a
// large inject file: kept as the oracle FuzzCheckJSON compares checkJSON
// with, and BenchmarkCheckJSON's "before". It is the thirty-eighth
// session's strictjson.go and surrogates.go, renamed, with its errors of
// the JSON placed at the byte at fault (oracleBadByte), as they are since.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// oracleChecker walks an inject file token by token, checking what
// encoding/json lets through: the exact case of keys, duplicate keys,
// the JSON type of each value, durations, trailing data.
type oracleChecker struct {
	checker // its errors' wording (unknown, wrongType, invalid): the walk is the oracle's own
	data    []byte
	dec     *json.Decoder
	depth   int
	// list is where the request's targets array starts (its '[', or
	// white space or a colon before it) and n its length, for
	// FileTargets; list is -1 when there is none (left out or null).
	list int64
	n    int
	// places holds where each value a later error may name is written,
	// keys where each param's key is (see mark).
	places, keys map[string]int64
}

// oracleCheckJSON checks data, one JSON object of Request's shape and nothing
// after it. A failure is a *posError.
// It returns the oracleChecker, which says where the targets array is.
func oracleCheckJSON(data []byte) (*oracleChecker, error) {
	c := &oracleChecker{data: data, dec: json.NewDecoder(bytes.NewReader(data)), list: -1,
		places: map[string]int64{}, keys: map[string]int64{}}
	c.dec.UseNumber()
	if err := c.value("", requestShape()); err != nil {
		return nil, err
	}
	end := c.dec.InputOffset()
	if _, err := c.dec.Token(); err != io.EOF {
		return nil, &posError{off: end, err: errors.New("trailing data after the JSON object")}
	}
	return c, nil
}

// value checks the next value, at path, against s.
func (c *oracleChecker) value(path string, s *shape) error {
	start := c.dec.InputOffset()
	tok, err := c.dec.Token()
	if err != nil {
		return c.syntax(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if c.depth++; c.depth > maxDepth {
			return &posError{off: start, err: fmt.Errorf("exceeded max depth %d", maxDepth)}
		}
		defer func() { c.depth-- }()
		if t == '{' {
			return c.object(path, s, start)
		}
		return c.array(path, s, start)
	}
	err = c.scalar(start, path, s, tok)
	if err != nil {
		// The value refused may be the start of a malformed one: the
		// decoder reads 0300 as 0 then fails on 300, -05 as -0. The
		// JSON's own error comes first, as for any other value.
		var se *json.SyntaxError
		if _, next := c.dec.Token(); errors.As(next, &se) {
			return c.syntax(next)
		}
	}
	return err
}

// scalar checks tok, a value other than an object or array read at
// start, at path, against s.
func (c *oracleChecker) scalar(start int64, path string, s *shape, tok json.Token) error {
	switch t := tok.(type) {
	case nil:
		switch {
		case path == "":
			return c.wrongType(start, path, s, "null", "")
		case strings.HasSuffix(path, "]") && s.kind != anyJSON:
			// An item of a list is not left out by a null: it is there,
			// and of no kind the list holds.
			return c.wrongType(start, path, s, "null", "null")
		case !strings.ContainsAny(path, ".["):
			// A key of the request: not written, for FilePlaces.Writes.
			delete(c.places, path)
		}
		return nil // null is the same as the field left out
	case string:
		if err := c.surrogates(start, path, "holds"); err != nil {
			return err
		}
		switch s.kind {
		case text, anyJSON:
			return nil
		case duration:
			_, err := durationOf(fieldName(path), t)
			return at(start, err)
		}
		return c.wrongType(start, path, s, "a string", t)
	case json.Number:
		switch s.kind {
		case anyJSON:
			if _, err := t.Float64(); err != nil && !s.param {
				// encoding/json would refuse it naming the map alone.
				return c.invalid(start, path, t.String(), framework.ReasonNumberRange)
			}
			return nil
		case duration:
			_, err := durationOf(fieldName(path), t)
			return at(start, err)
		}
		return c.wrongType(start, path, s, "a number", t.String())
	case bool:
		if s.kind == anyJSON {
			return nil
		}
		return c.wrongType(start, path, s, "a boolean", fmt.Sprint(t))
	}
	return &posError{off: start, err: fmt.Errorf("unexpected JSON token %v", tok)}
}

// object checks the members of an object whose '{' was read.
func (c *oracleChecker) object(path string, s *shape, start int64) error {
	if s.kind != object && s.kind != dict && s.kind != anyJSON {
		return c.wrongType(start, path, s, "an object", "")
	}
	seen := map[string]int64{}
	var folded map[string]string // dict: lower-case key -> key
	if s.kind == dict {
		folded = map[string]string{}
	}
	for c.dec.More() {
		off := c.dec.InputOffset()
		tok, err := c.dec.Token()
		if err != nil {
			return c.syntax(err)
		}
		key, _ := tok.(string)
		kpath := join(path, key)
		if err := c.surrogates(off, path, "has a key holding"); err != nil {
			return err
		}
		if first, dup := seen[key]; dup {
			return c.invalid(off, kpath, "", "duplicate key (first at "+lineCol(c.data, first)+")")
		}
		seen[key] = off
		next := freeShape
		switch s.kind {
		case object:
			if next = s.fields[key]; next == nil {
				return c.unknown(off, kpath, key, s)
			}
		case dict:
			// Params are matched to an injector's fields whatever their
			// case: two keys equal but for case would be one param.
			low := foldKey(key)
			if other, dup := folded[low]; dup {
				return c.invalid(off, kpath, "", fmt.Sprintf("duplicate key: %s names the same parameter (first at %s)",
					join(path, other), lineCol(c.data, seen[other])))
			}
			folded[low] = key
			next = s.elem
		}
		c.mark(path, key, off, c.dec.InputOffset())
		if err := c.value(kpath, next); err != nil {
			return err
		}
	}
	_, err := c.dec.Token() // '}'
	return c.syntax(err)
}

// array checks the items of an array whose '[' was read.
func (c *oracleChecker) array(path string, s *shape, start int64) error {
	if s.kind != list && s.kind != anyJSON {
		return c.wrongType(start, path, s, "an array", "")
	}
	next := freeShape
	if s.kind == list {
		next = s.elem
	}
	i := 0
	for ; c.dec.More(); i++ {
		if path == "expectation_types" {
			c.places[fmt.Sprintf("%s[%d]", path, i)] = c.dec.InputOffset()
		}
		if err := c.value(fmt.Sprintf("%s[%d]", path, i), next); err != nil {
			return err
		}
	}
	if path == "targets" {
		c.list, c.n = start, i
	}
	_, err := c.dec.Token() // ']'
	return c.syntax(err)
}

// syntax turns a decoder error into a *posError at its offset.
func (c *oracleChecker) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return &posError{off: oracleBadByte(c.data, se), err: fmt.Errorf("invalid JSON: %w", err)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &posError{off: int64(len(c.data)), err: fmt.Errorf("invalid JSON: %w", io.ErrUnexpectedEOF)}
	}
	return &posError{off: c.dec.InputOffset(), err: err}
}

// surrogates refuses a string token, the one just read from start on (the
// value at path, or a key of the object at path: holds says which), that
// holds a \u escape of a lone UTF-16 surrogate (\ud800 without a low
// surrogate after it, or \udc00 without a high one before it):
// encoding/json reads it as U+FFFD, silently, and an asset id "a\ud800"
// would travel as another id. The error is at the escape, naming path
// and the escape as written.
func (c *oracleChecker) surrogates(start int64, path, holds string) error {
	raw := c.data[start:c.dec.InputOffset()]
	if i := loneSurrogate(raw); i >= 0 {
		return c.invalid(start+int64(i), path, "", holds+" "+string(raw[i:i+6])+
			", a lone UTF-16 surrogate, which is no character (it would be read as U+FFFD, changing the value); write the character itself, or a surrogate pair")
	}
	return nil
}

// mark is file_places.go's mark of the thirty-eighth session.
func (c *oracleChecker) mark(path, key string, keyOff, off int64) {
	switch {
	case path == "" && key != "targets":
		c.places[key] = off
	case path == "params":
		c.places["params."+key] = off
		c.keys["params."+key] = keyOff
	}
}

// oracleBadByte returns the offset of the byte at fault in data, which the
// decoder found is not JSON (se): where encoding/json's scanner, reading
// data whole, stops.
func oracleBadByte(data []byte, se *json.SyntaxError) int64 {
	var whole *json.SyntaxError
	if errors.As(json.Unmarshal(data, new(json.RawMessage)), &whole) {
		return max(whole.Offset-1, 0)
	}
	return max(se.Offset-1, 0)
}
