package framework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// ParseParam converts a command-line "key=value" string into a typed value
// following the manifest's declaration of key: int, bool and duration values
// are checked here, enum values must be one of the declared ones. Without a
// manifest entry the value stays a string.
func ParseParam(m *Manifest, key, value string) (any, error) {
	if m == nil || len(m.Params) == 0 {
		return value, nil
	}
	p, ok := m.Param(key)
	if !ok {
		return nil, invalid("params."+key, value, "unknown parameter (known: "+strings.Join(m.ParamNames(), ", ")+")")
	}
	switch p.Type {
	case ParamInt:
		n, err := strconv.Atoi(value)
		if err != nil {
			return nil, invalid("params."+key, value, "not an integer")
		}
		return n, nil
	case ParamBool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return nil, invalid("params."+key, value, "not a boolean (true or false)")
		}
		return b, nil
	case ParamEnum:
		for _, e := range p.Enum {
			if e == value {
				return value, nil
			}
		}
		return nil, invalid("params."+key, value, "not one of "+strings.Join(p.Enum, ", "))
	}
	return value, nil
}

// Param returns the declaration of the named parameter.
func (m Manifest) Param(name string) (Param, bool) {
	for _, p := range m.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames returns the declared parameter names, sorted.
func (m Manifest) ParamNames() []string {
	names := make([]string, 0, len(m.Params))
	for _, p := range m.Params {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// decodeParams turns the request's params into what Execute receives: the
// executor's own struct when it implements ParamsFactory (decoded strictly),
// else the map itself.
func decodeParams(ex Executor, params map[string]any) (any, error) {
	pf, ok := ex.(ParamsFactory)
	if !ok {
		if params == nil {
			params = map[string]any{}
		}
		return params, nil
	}
	target := pf.NewParams()
	if len(params) == 0 {
		return target, nil
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return nil, &RequestError{Err: fmt.Errorf("params: %w", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		err = jsonError(err)
		if ve, ok := err.(*signatures.ValidationError); ok {
			cp := *ve
			cp.Field = "params." + ve.Field
			err = &cp
		}
		return nil, &RequestError{Err: err}
	}
	return target, nil
}
