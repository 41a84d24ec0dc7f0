package wirejson

import (
	"encoding/json"
	"strconv"

	"github.com/injectkit/injectkit/signatures"
)

// AppendTarget appends the JSON encoding of t to dst, byte for byte what
// json.Marshal(t) writes (FuzzAppendTarget checks this). Common values
// (plain strings, integers, booleans, string lists) are written directly;
// anything else goes through encoding/json, whose error is returned.
func AppendTarget(dst []byte, t signatures.PayloadTarget) ([]byte, error) {
	dst = appendHead(dst, t.SignatureTarget)
	if t.SignatureValues == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for j, g := range t.SignatureValues {
			if j > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendGroup(dst, g); err != nil {
				return dst, err
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

func appendGroup(dst []byte, g signatures.ValueGroup) ([]byte, error) {
	dst = append(dst, `{"expectation_type":`...)
	dst = appendString(dst, string(g.ExpectationType))
	var err error
	if len(g.Values) > 0 {
		dst = append(dst, `,"values":[`...)
		for k, v := range g.Values {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"signature_type":`...)
			dst = appendString(dst, v.SignatureType)
			dst = append(dst, `,"signature_value":`...)
			if dst, err = appendValue(dst, v.SignatureValue); err != nil {
				return dst, err
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	// Flat fields, omitted when empty as their tags say.
	if g.SignatureType != "" {
		dst = append(dst, `,"signature_type":`...)
		dst = appendString(dst, g.SignatureType)
	}
	if g.SignatureValue != nil {
		dst = append(dst, `,"signature_value":`...)
		if dst, err = appendValue(dst, g.SignatureValue); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, v), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case []string:
		if v == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, s := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		return append(dst, ']'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendString appends s as a JSON string. Printable ASCII that
// encoding/json leaves alone is copied; any other string is encoded by
// encoding/json, so escaping (HTML characters, control characters, invalid
// UTF-8, U+2028) stays exactly the standard library's.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
