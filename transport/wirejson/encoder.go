package wirejson

import (
	"github.com/injectkit/injectkit/signatures"
)

// Encoder is AppendTarget and TargetSize for the targets of one payload,
// which share most of their values (the source address, the times, the
// status, the extras: only the identity differs from one target to the
// next). It remembers the encoding of the last string value seen at each
// position and copies it when the next target has the same value there,
// and a group whose values are the very slice of the group before it
// (signatures.PayloadTargets shares one slice between expectation types)
// is written by copying that group's values. Its output is byte for byte
// AppendTarget's and its sizes TargetSize's. The zero Encoder is ready to
// use; it is not safe for concurrent use.
type Encoder struct {
	slots   [maxSlots]slot
	scratch []byte
}

// maxSlots is the number of value positions of a target remembered.
const maxSlots = 32

// slot is the last string value seen at one position, and its encoding
// ({"signature_type":…,"signature_value":…}) or its size.
type slot struct {
	typ, val string
	enc      []byte
	size     int
	set      bool
}

func (c *slot) hit(v signatures.Value) (string, bool) {
	s, ok := v.SignatureValue.(string)
	return s, ok && c.set && c.typ == v.SignatureType && c.val == s
}

// plain reports whether g is a group with values and no flat fields, the
// only kind the runtime builds.
func plain(g signatures.ValueGroup) bool {
	return len(g.Values) > 0 && g.SignatureType == "" && g.SignatureValue == nil
}

// same reports whether a and b are the same slice.
func same(a, b []signatures.Value) bool { return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0] }

// AppendTarget appends the JSON encoding of t to dst (see the package-level
// AppendTarget).
func (e *Encoder) AppendTarget(dst []byte, t signatures.PayloadTarget) ([]byte, error) {
	dst = appendHead(dst, t.SignatureTarget)
	if t.SignatureValues == nil {
		return append(dst, "null}"...), nil
	}
	dst = append(dst, '[')
	var prev []signatures.Value
	from, to, pos := 0, 0, 0
	var err error
	for j, g := range t.SignatureValues {
		if j > 0 {
			dst = append(dst, ',')
		}
		if !plain(g) {
			if dst, err = appendGroup(dst, g); err != nil {
				return dst, err
			}
			prev = nil
			continue
		}
		dst = append(dst, `{"expectation_type":`...)
		dst = appendString(dst, string(g.ExpectationType))
		dst = append(dst, `,"values":[`...)
		if same(g.Values, prev) {
			dst = append(dst, dst[from:to]...)
		} else {
			start := len(dst)
			for k, v := range g.Values {
				if k > 0 {
					dst = append(dst, ',')
				}
				if dst, err = e.appendValue(dst, pos+k, v); err != nil {
					return dst, err
				}
			}
			prev, from, to = g.Values, start, len(dst)
		}
		pos += len(g.Values)
		dst = append(dst, "]}"...)
	}
	return append(dst, "]}"...), nil
}

func (e *Encoder) appendValue(dst []byte, pos int, v signatures.Value) ([]byte, error) {
	var c *slot
	if pos < maxSlots {
		c = &e.slots[pos]
		if _, ok := c.hit(v); ok && c.enc != nil {
			return append(dst, c.enc...), nil
		}
	}
	start := len(dst)
	dst = append(dst, `{"signature_type":`...)
	dst = appendString(dst, v.SignatureType)
	dst = append(dst, `,"signature_value":`...)
	var err error
	if dst, err = appendValue(dst, v.SignatureValue); err != nil {
		return dst, err
	}
	dst = append(dst, '}')
	if s, ok := v.SignatureValue.(string); ok && c != nil {
		c.typ, c.val, c.set = v.SignatureType, s, true
		c.enc = append(c.enc[:0], dst[start:]...)
		c.size = len(c.enc)
	}
	return dst, nil
}

// TargetSize returns len(AppendTarget(nil, t)) without writing anything
// (see the package-level TargetSize).
func (e *Encoder) TargetSize(t signatures.PayloadTarget) (int, error) {
	n := headSize(t.SignatureTarget)
	if t.SignatureValues == nil {
		return n + len("null}"), nil
	}
	n += 2 + max(len(t.SignatureValues)-1, 0) + len(`}`) // [ ] and commas
	var prev []signatures.Value
	values, pos := 0, 0
	for _, g := range t.SignatureValues {
		if !plain(g) {
			gs, s, err := sizeGroup(g, e.scratch)
			e.scratch = s
			if err != nil {
				return 0, err
			}
			n += gs
			prev = nil
			continue
		}
		n += len(`{"expectation_type":`) + sizeString(string(g.ExpectationType)) + len(`,"values":[`) + len(`]}`)
		if !same(g.Values, prev) {
			values = len(g.Values) - 1
			for k, v := range g.Values {
				vs, err := e.sizeValue(pos+k, v)
				if err != nil {
					return 0, err
				}
				values += vs
			}
			prev = g.Values
		}
		n += values
		pos += len(g.Values)
	}
	return n, nil
}

func (e *Encoder) sizeValue(pos int, v signatures.Value) (int, error) {
	var c *slot
	if pos < maxSlots {
		c = &e.slots[pos]
		if _, ok := c.hit(v); ok {
			return c.size, nil
		}
	}
	vs, s, err := sizeValue(v.SignatureValue, e.scratch)
	e.scratch = s
	if err != nil {
		return 0, err
	}
	n := len(`{"signature_type":`) + sizeString(v.SignatureType) + len(`,"signature_value":`) + vs + len(`}`)
	if s, ok := v.SignatureValue.(string); ok && c != nil {
		c.typ, c.val, c.set, c.enc, c.size = v.SignatureType, s, true, nil, n
	}
	return n, nil
}

// appendHead appends the target's opening and its signature_target, up to
// `"signature_values":`.
func appendHead(dst []byte, a signatures.Attribution) []byte {
	dst = append(dst, `{"signature_target":{`...)
	sep := false
	field := func(key, v string) {
		if v == "" {
			return
		}
		if sep {
			dst = append(dst, ',')
		}
		dst = append(dst, key...)
		dst = appendString(dst, v)
		sep = true
	}
	field(`"agent":`, a.Agent)
	field(`"asset":`, a.Asset)
	field(`"asset_group":`, a.AssetGroup)
	return append(dst, `},"signature_values":`...)
}

// headSize is len(appendHead(nil, a)).
func headSize(a signatures.Attribution) int {
	n := len(`{"signature_target":{`) + len(`},"signature_values":`)
	fields := 0
	for _, f := range [...]struct{ key, v string }{
		{`"agent":`, a.Agent},
		{`"asset":`, a.Asset},
		{`"asset_group":`, a.AssetGroup},
	} {
		if f.v != "" {
			n += len(f.key) + sizeString(f.v)
			fields++
		}
	}
	return n + max(fields-1, 0)
}
