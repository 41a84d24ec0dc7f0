package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/injectkit/injectkit/framework"
)

// maxDepth bounds the nesting of an inject file, as encoding/json does.
const maxDepth = 10000

// maxEcho is the longest value or key an error quotes, in bytes.
const maxEcho = 64

// posError is an error at a byte offset of the input.
type posError struct {
	off int64
	err error
}

func (e *posError) Error() string { return e.err.Error() }
func (e *posError) Unwrap() error { return e.err }

// errSyntax is a token's error where it is not JSON; the checker turns it
// into a *malformed, saying where the decoder would stand.
var errSyntax = errors.New("invalid JSON")

// checker walks an inject file byte by byte, checking what encoding/json
// lets through: the exact case of keys, duplicate keys, the JSON type of
// each value, durations, trailing data. It allocates no token: a key is
// compared as the file writes it (decoded only when it holds an escape),
// and a value's path is spelled only for an error. Its errors, and the
// offsets it keeps, are those of the walk with encoding/json's
// Decoder.Token it replaced (FuzzCheckJSON compares the two; an error of
// the JSON is at the byte at fault, see badByte): an offset is where that
// decoder stood, past white space, at the comma or colon before a value.
type checker struct {
	data  []byte
	i     int // the next byte to read
	depth int
	// list is where the request's targets array starts (its '[', or
	// white space or a colon before it) and n its length, for
	// FileTargets; list is -1 when there is none (left out or null).
	list int64
	n    int
	// places holds where each value a later error may name is written,
	// keys where each param's key is (see mark).
	places, keys map[string]int64
	// path is where the value being checked is: a key or an index for
	// each object or array it is in.
	path []step
	// seen holds the keys of the objects being checked, innermost last,
	// but those of an object with many keys, which it maps itself.
	seen []seenKey
}

// step is one step of a path: a key, decoded (index -1), or an index.
type step struct {
	key   []byte
	index int
}

// seenKey is a key of an object and where it is (as step and seen).
type seenKey struct {
	key []byte
	off int64
}

// manyKeys is the number of keys past which an object's keys are mapped,
// not looked through.
const manyKeys = 8

// checkJSON checks data, valid UTF-8 (DecodeInjectFile checks it first),
// one JSON object of Request's shape and nothing after it. A failure is a
// *posError. It returns the checker, which says where the targets array
// is.
func checkJSON(data []byte) (*checker, error) {
	c := &checker{data: data, list: -1, places: map[string]int64{}, keys: map[string]int64{}}
	if err := c.value(0, requestShape()); err != nil {
		var m *malformed
		if errors.As(err, &m) {
			return nil, m.word(data)
		}
		return nil, err
	}
	end := c.i
	if c.space(); c.i < len(data) {
		return nil, &posError{off: int64(end), err: errors.New("trailing data after the JSON object")}
	}
	return c, nil
}

// value checks the value at c.i against s; start is where it is placed
// (the comma or colon before it, or its first byte).
func (c *checker) value(start int, s *shape) error {
	if c.space(); c.i == len(c.data) {
		return c.malformedValue(start)
	}
	if b := c.data[c.i]; b == '{' || b == '[' {
		c.i++
		if c.depth++; c.depth > maxDepth {
			return &posError{off: int64(start), err: fmt.Errorf("exceeded max depth %d", maxDepth)}
		}
		var err error
		if b == '{' {
			err = c.object(start, s)
		} else {
			err = c.array(start, s)
		}
		c.depth--
		return err
	}
	tok := c.i
	kind, esc, err := c.scalarToken()
	if err != nil {
		return c.malformedValue(start)
	}
	if err := c.scalar(start, s, c.data[tok:c.i], kind, esc); err != nil {
		return c.ahead(err)
	}
	return nil
}

// scalar checks raw, a value other than an object or array placed at
// start, of kind (scalarToken's), against s.
func (c *checker) scalar(start int, s *shape, raw []byte, kind byte, esc bool) error {
	off := int64(start)
	switch kind {
	case 'n':
		switch {
		case len(c.path) == 0:
			return c.wrongType(off, "", s, "null", "")
		case c.inList() && s.kind != anyJSON:
			// An item of a list is not left out by a null: it is there,
			// and of no kind the list holds.
			return c.wrongType(off, c.pathString(), s, "null", "null")
		case len(c.path) == 1:
			// A key of the request: not written, for FilePlaces.Writes.
			delete(c.places, string(c.path[0].key))
		}
		return nil // null is the same as the field left out
	case '"':
		if esc {
			if err := c.surrogates(c.i-len(raw), raw, "holds"); err != nil {
				return err
			}
		}
		switch s.kind {
		case text, anyJSON:
			return nil
		case duration:
			_, err := durationOf(fieldName(c.pathString()), decoded(raw, esc))
			return at(off, err)
		}
		return c.wrongType(off, c.pathString(), s, "a string", decoded(raw, esc))
	case '0':
		switch s.kind {
		case anyJSON:
			if s.param {
				return nil
			}
			if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
				// encoding/json would refuse it naming the map alone.
				return c.invalid(off, c.pathString(), string(raw), framework.ReasonNumberRange)
			}
			return nil
		case duration:
			_, err := durationOf(fieldName(c.pathString()), json.Number(raw))
			return at(off, err)
		}
		return c.wrongType(off, c.pathString(), s, "a number", string(raw))
	}
	if s.kind == anyJSON {
		return nil
	}
	return c.wrongType(off, c.pathString(), s, "a boolean", string(raw))
}

// object checks the members of an object whose '{' was read, placed at
// start.
func (c *checker) object(start int, s *shape) error {
	if s.kind != object && s.kind != dict && s.kind != anyJSON {
		return c.wrongType(int64(start), c.pathString(), s, "an object", "")
	}
	base := len(c.seen)
	var many map[string]int64    // the keys, once there are many
	var folded map[string]string // dict: lower-case key -> key
	if s.kind == dict {
		folded = map[string]string{}
	}
	for first := true; ; first = false {
		stands := afterObjectValue
		if first {
			stands = afterObjectStart
		}
		if c.space(); c.i == len(c.data) {
			return &malformed{c.i, stands}
		}
		off := c.i // the key, or the comma before it
		switch b := c.data[c.i]; {
		case b == '}':
			c.i++
			c.seen = c.seen[:base]
			return nil
		case !first && b == ',':
			c.i++
			c.space()
		case !first:
			return &malformed{off, stands}
		}
		if c.i == len(c.data) || c.data[c.i] != '"' {
			return &malformed{off, stands}
		}
		kstart := c.i
		esc, err := c.str()
		if err != nil {
			return &malformed{off, stands}
		}
		raw := c.data[kstart:c.i]
		if esc {
			if err := c.surrogates(kstart, raw, "has a key holding"); err != nil {
				return err
			}
		}
		key := raw[1 : len(raw)-1]
		if esc {
			key = []byte(decoded(raw, true))
		}
		if first, dup := c.find(base, many, key); dup {
			return c.invalid(int64(off), c.keyPath(key), "", "duplicate key (first at "+lineCol(c.data, first)+")")
		}
		if many != nil {
			many[string(key)] = int64(off)
		} else if c.seen = append(c.seen, seenKey{key, int64(off)}); len(c.seen)-base > manyKeys {
			many = make(map[string]int64, 2*manyKeys)
			for _, k := range c.seen[base:] {
				many[string(k.key)] = k.off
			}
			c.seen = c.seen[:base]
		}
		next := freeShape
		switch s.kind {
		case object:
			if next = s.fields[string(key)]; next == nil {
				return c.unknown(int64(off), c.keyPath(key), string(key), s)
			}
		case dict:
			// Params are matched to an injector's fields whatever their
			// case: two keys equal but for case would be one param.
			low := foldKey(string(key))
			if other, dup := folded[low]; dup {
				first, _ := c.find(base, many, []byte(other))
				return c.invalid(int64(off), c.keyPath(key), "", fmt.Sprintf("duplicate key: %s names the same parameter (first at %s)",
					join(c.pathString(), other), lineCol(c.data, first)))
			}
			folded[low] = string(key)
			next = s.elem
		}
		after := c.i // past the key: where the value is placed
		c.mark(key, int64(off), int64(after))
		if c.space(); c.i == len(c.data) || c.data[c.i] != ':' {
			return &malformed{after, afterKey}
		}
		c.i++
		c.path = append(c.path, step{key: key, index: -1})
		if err := c.value(after, next); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
	}
}

// find returns where key is among the keys of the object whose keys seen
// holds from base on, or many maps.
func (c *checker) find(base int, many map[string]int64, key []byte) (int64, bool) {
	if many != nil {
		off, ok := many[string(key)]
		return off, ok
	}
	for _, k := range c.seen[base:] {
		if bytes.Equal(k.key, key) {
			return k.off, true
		}
	}
	return 0, false
}

// array checks the items of an array whose '[' was read, placed at start.
func (c *checker) array(start int, s *shape) error {
	if s.kind != list && s.kind != anyJSON {
		return c.wrongType(int64(start), c.pathString(), s, "an array", "")
	}
	next := freeShape
	if s.kind == list {
		next = s.elem
	}
	types := c.topKey("expectation_types")
	for i := 0; ; i++ {
		stands := afterItem
		if i == 0 {
			stands = afterArrayStart
		}
		if c.space(); c.i == len(c.data) {
			return &malformed{c.i, stands}
		}
		place := c.i // the item, or the comma before it
		switch b := c.data[c.i]; {
		case b == ']':
			c.i++
			if c.topKey("targets") {
				c.list, c.n = int64(start), i
			}
			return nil
		case i > 0 && b != ',':
			return &malformed{place, stands}
		case i > 0:
			c.i++
		}
		if types {
			c.places[fmt.Sprintf("expectation_types[%d]", i)] = int64(place)
		}
		c.path = append(c.path, step{index: i})
		if err := c.value(place, next); err != nil {
			return err
		}
		c.path = c.path[:len(c.path)-1]
	}
}
