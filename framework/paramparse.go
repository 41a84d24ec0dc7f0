package framework

import (
	"errors"
	"reflect"
	"strings"

	"github.com/injectkit/injectkit/internal/scalar"
)

// ParseParam converts a command-line "key=value" string into a typed value
// following the manifest's declaration of key: int and bool values are
// parsed, an enum value must be one of the declared ones, and a duration is
// checked and normalised to Go notation (a bare number is seconds: "90"
// gives "1m30s"; negative durations are rejected). Without a manifest entry
// the value stays a string. An error is a *signatures.ValidationError on
// "params.<key>", without the value for a key named as one of m's settings
// or like a secret (see WithholdParam). m may be nil: no manifest.
//
// The command line (--param, the config file's and INJECTKIT_PARAM's
// pairs) and the openaev profile (a form's fields) read a param's text
// with it, as DecodeParams reads an inject file's values; an injector has
// no need of it: its params reach it decoded.
func (m *Manifest) ParseParam(key, value string) (any, error) {
	v, err := parseParam(m, key, value)
	if err != nil {
		return nil, m.WithholdParam(key, err)
	}
	return v, nil
}

func parseParam(m *Manifest, key, value string) (any, error) {
	if m == nil || len(m.Params) == 0 {
		return value, nil
	}
	p, ok := m.Param(key)
	if !ok {
		return nil, unknownParam(key, value, m.ParamNames())
	}
	switch p.Type {
	case ParamInt:
		n, err := intParam(value, p)
		if err != nil {
			return nil, invalidParam(key, value, err.Error())
		}
		return n, nil
	case ParamBool:
		b, err := scalar.Bool(value)
		if err != nil {
			return nil, invalidParam(key, value, err.Error())
		}
		return b, nil
	case ParamDuration:
		d, err := ParseDuration(value)
		if err != nil {
			def, _ := ParseDuration(p.Default) // "" (required): 0
			return nil, invalidParam(key, value, paramZeroAdvice(err, def, p.Required).Error())
		}
		return d.String(), nil
	case ParamEnum:
		if value == "" && p.Required {
			return nil, invalidParam(key, value, ReasonRequired+ReasonEmpty)
		}
		for _, e := range p.Enum {
			if e == value {
				return value, nil
			}
		}
		return nil, invalidParam(key, value, "not one of "+strings.Join(p.Enum, ", "))
	}
	return value, nil
}

// intParam reads the text of int param p as DecodeParams reads the
// number an inject file gives it, so that both take the same spellings
// (scalar.Integer, the int settings' reading too). A whole number out of
// p's range (Min, Max; int's when it has none) is refused as DecodeParams
// refuses it (outOfRange), 1e300 as 6 for a param from 0 to 5.
func intParam(text string, p Param) (any, error) {
	n, err := scalar.Integer(text)
	if err != nil && !errors.Is(err, scalar.ErrPastDigits) {
		return nil, err
	}
	lo, hi, _ := intRange(reflect.TypeFor[int]())
	if p.Min != "" || p.Max != "" {
		lo, hi = p.Min, p.Max
	}
	if err != nil || !inRange(n, lo, hi) {
		return nil, errors.New(outOfRange(lo, hi))
	}
	switch {
	case n.IsInt64() && n.Int64() == int64(int(n.Int64())):
		return int(n.Int64()), nil
	case n.IsInt64():
		return n.Int64(), nil
	case n.IsUint64():
		return n.Uint64(), nil
	}
	return nil, errors.New(outOfRange(lo, hi)) // a manifest's range past every type's
}
