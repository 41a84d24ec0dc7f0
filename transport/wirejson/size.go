package wirejson

import (
	"strconv"

	"github.com/injectkit/injectkit/signatures"
)

// TargetSize returns len(AppendTarget(nil, t)) without writing anything, so
// that a large payload can be planned into bodies before any of it is
// encoded. It counts the common values (plain strings, integers, booleans,
// string lists) itself and measures any other value by encoding it into
// scratch, which it returns for reuse (scratch may be nil). It fails where
// AppendTarget fails. FuzzTargetSize checks it against AppendTarget.
func TargetSize(t signatures.PayloadTarget, scratch []byte) (int, []byte, error) {
	n := len(`{"signature_target":{`) + len(`},"signature_values":`) + len(`}`)
	fields := 0
	for _, f := range []struct{ key, v string }{
		{`"agent":`, t.SignatureTarget.Agent},
		{`"asset":`, t.SignatureTarget.Asset},
		{`"asset_group":`, t.SignatureTarget.AssetGroup},
	} {
		if f.v != "" {
			n += len(f.key) + sizeString(f.v)
			fields++
		}
	}
	if fields > 1 {
		n += fields - 1
	}
	if t.SignatureValues == nil {
		return n + len("null"), scratch, nil
	}
	n += 2 + max(len(t.SignatureValues)-1, 0) // [ ] and commas
	for _, g := range t.SignatureValues {
		gs, s, err := sizeGroup(g, scratch)
		if err != nil {
			return 0, s, err
		}
		scratch = s
		n += gs
	}
	return n, scratch, nil
}

func sizeGroup(g signatures.ValueGroup, scratch []byte) (int, []byte, error) {
	n := len(`{"expectation_type":`) + sizeString(string(g.ExpectationType)) + len(`}`)
	if len(g.Values) > 0 {
		n += len(`,"values":[`) + len(`]`) + len(g.Values) - 1
		for _, v := range g.Values {
			vs, s, err := ValueSize(v, scratch)
			if err != nil {
				return 0, s, err
			}
			scratch = s
			n += vs
		}
	}
	if g.SignatureType != "" {
		n += len(`,"signature_type":`) + sizeString(g.SignatureType)
	}
	if g.SignatureValue != nil {
		vs, s, err := sizeValue(g.SignatureValue, scratch)
		if err != nil {
			return 0, s, err
		}
		scratch = s
		n += len(`,"signature_value":`) + vs
	}
	return n, scratch, nil
}

func sizeValue(v any, scratch []byte) (int, []byte, error) {
	switch v := v.(type) {
	case nil:
		return len("null"), scratch, nil
	case string:
		return sizeString(v), scratch, nil
	case bool:
		if v {
			return len("true"), scratch, nil
		}
		return len("false"), scratch, nil
	case int:
		return sizeInt(int64(v)), scratch, nil
	case int64:
		return sizeInt(v), scratch, nil
	case int32:
		return sizeInt(int64(v)), scratch, nil
	case []string:
		if v == nil {
			return len("null"), scratch, nil
		}
		n := 2 + max(len(v)-1, 0)
		for _, s := range v {
			n += sizeString(s)
		}
		return n, scratch, nil
	}
	b, err := appendValue(scratch[:0], v)
	return len(b), b, err
}

// sizeString is len(appendString(nil, s)).
func sizeString(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return len(appendString(nil, s))
		}
	}
	return len(s) + 2
}

func sizeInt(v int64) int {
	if v >= 0 && v < 10 {
		return 1
	}
	var buf [24]byte
	return len(strconv.AppendInt(buf[:0], v, 10))
}

// ValueSize returns the length of v's encoding in a group's values,
// {"signature_type":…,"signature_value":…}, without the comma that
// separates it from the next, measured as TargetSize measures it
// (scratch as there).
func ValueSize(v signatures.Value, scratch []byte) (int, []byte, error) {
	vs, s, err := sizeValue(v.SignatureValue, scratch)
	if err != nil {
		return 0, s, err
	}
	return len(`{"signature_type":`) + sizeString(v.SignatureType) + len(`,"signature_value":`) + vs + len(`}`), s, nil
}
