package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FileTargets are the targets of an inject file DecodeInjectFile has
// checked, kept as the file writes them and decoded one at a time by
// Each: a list of millions costs the file's bytes until the caller has
// typed each target, not a TargetSpec a target besides. The zero value
// holds none.
type FileTargets struct {
	data   []byte // the file, checked
	off    int64  // where its targets array starts
	n      int
	given  bool   // the file has a targets array, empty or not
	where  string // "inject file x.json", for an error
	places FilePlaces
}

// Len returns the number of targets.
func (t FileTargets) Len() int { return t.n }

// Places says where the file writes its other values (its params, its
// inject id), for an error found once the file is no longer held.
func (t FileTargets) Places() FilePlaces { return t.places }

// Each calls fn with each target, in the file's order, white space
// around its address, host name, region, service or query dropped (see
// DecodeInjectFile), and the line where the target's object
// starts, until fn returns an error, which Each returns as it is.
func (t FileTargets) Each(fn func(s TargetSpec, line int) error) error {
	if t.n == 0 {
		return nil
	}
	// The offset checkJSON gives may be that of the colon or the white
	// space before the '['.
	r := targetReader{b: t.data, i: int(t.off)}
	if err := r.expect('['); err != nil {
		return t.fail(err)
	}
	line, _ := Position(t.data, int64(r.i-1))
	last := r.i
	for range t.n {
		var s TargetSpec
		r.space()
		line += lineEnds(t.data, last, r.i)
		last = r.i
		if err := r.target(&s); err != nil {
			return t.fail(err)
		}
		if err := fn(s.trimmed(), line); err != nil {
			return err
		}
	}
	return nil
}

// fail is the error of a target Each cannot read, which checkJSON has
// checked: none is known.
func (t FileTargets) fail(err error) error {
	return &RequestError{Err: fmt.Errorf("%s: targets: %w", t.where, err)}
}

// targetReader reads the targets of a list checkJSON has checked: objects
// whose keys are TargetSpec's and whose values are strings or null. It
// reads each in place, one string a field given, where encoding/json's
// Decoder copies each object into its buffer and allocates an error for
// the comma after it.
type targetReader struct {
	b []byte
	i int
}

var errTargetJSON = errors.New("not the JSON checked")

// expect passes over white space, commas and colons, then c.
func (r *targetReader) expect(c byte) error {
	r.space()
	if r.i >= len(r.b) || r.b[r.i] != c {
		return fmt.Errorf("want %q at byte %d: %w", c, r.i, errTargetJSON)
	}
	r.i++
	return nil
}

// space passes over white space, commas and colons.
func (r *targetReader) space() {
	for r.i < len(r.b) && strings.IndexByte(" \t\r\n,:", r.b[r.i]) >= 0 {
		r.i++
	}
}

// target reads one target object into s.
func (r *targetReader) target(s *TargetSpec) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	for {
		r.space()
		if r.i < len(r.b) && r.b[r.i] == '}' {
			r.i++
			return nil
		}
		raw, escaped, err := r.raw()
		if err != nil {
			return err
		}
		var f *string
		key := raw[1 : len(raw)-1]
		if !escaped {
			f = s.field(key) // no string made: the common case
		} else if k, err := unquote(raw); err == nil {
			key = []byte(k)
			f = s.field(key)
		}
		if f == nil {
			return fmt.Errorf("unknown field %s: %w", raw, errTargetJSON)
		}
		r.space()
		if bytes.HasPrefix(r.b[r.i:], []byte("null")) {
			r.i += len("null") // the same as the field left out
			continue
		}
		if *f, err = r.text(); err != nil {
			return err
		}
		s.noteBlank(string(key), *f)
	}
}

// text reads a JSON string: its bytes when it holds no escape, else as
// encoding/json reads it.
func (r *targetReader) text() (string, error) {
	raw, escaped, err := r.raw()
	switch {
	case err != nil:
		return "", err
	case escaped:
		return unquote(raw)
	}
	return string(raw[1 : len(raw)-1]), nil
}

// raw reads a JSON string as written, its quotes included, and whether it
// holds an escape.
func (r *targetReader) raw() (raw []byte, escaped bool, err error) {
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false, fmt.Errorf("want a string at byte %d: %w", r.i, errTargetJSON)
	}
	for j := r.i + 1; j < len(r.b); j++ {
		switch r.b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			raw = r.b[r.i : j+1]
			r.i = j + 1
			return raw, escaped, nil
		}
	}
	return nil, false, fmt.Errorf("unterminated string: %w", errTargetJSON)
}

// unquote reads a JSON string holding an escape, as encoding/json reads
// it.
func unquote(raw []byte) (string, error) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// field returns the field of s whose JSON key is key, or nil.
func (s *TargetSpec) field(key []byte) *string {
	switch string(key) {
	case "value":
		return &s.Value
	case "target_ipv4":
		return &s.TargetIPv4
	case "target_ipv6":
		return &s.TargetIPv6
	case "target_hostname":
		return &s.TargetHostname
	case "cloud_provider":
		return &s.CloudProvider
	case "cloud_account_id":
		return &s.CloudAccountID
	case "cloud_region":
		return &s.CloudRegion
	case "target_service":
		return &s.TargetService
	case "query":
		return &s.Query
	case "agent":
		return &s.Agent
	case "asset":
		return &s.Asset
	case "asset_group":
		return &s.AssetGroup
	}
	return nil
}
