package openaev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
)

// The values a finding output may hold: the platform checks each finding
// against its output's type (the type's output processor, item by item
// for an output declared isMultiple, FindingService.buildFindings), and a
// value that fails makes it drop the WHOLE callback: its message, its
// findings and its expectation signatures. The profile leaves such a
// value out instead, with a WARN, so the rest is stored.
//
// The rules, per type, as 2.4.0's processors apply them (and as the
// Current line is taken to, stricter where 2.4.0's processors take any
// value, since a value left out costs one finding and a refused one the
// callback):
//   - text, file, action_output: any value;
//   - port: an integer (2.4.0: any value); number: a number (2.4.0: any);
//   - ipv4, ipv6: a string that is such an address;
//   - credentials: an object with a username, and a password or a hash;
//   - cve: an object with an id, a host or a list of hosts and a severity
//     string (2.4.0: the three present and not null);
//   - portscan: an object with host and service strings and an integer
//     port (2.4.0: the three present and not null);
//   - asset: an object with a name (2.4.0: any);
//   - the Active Directory types: an object with their required fields.
//
// A null, or a list under an output not declared isMultiple, is no value
// of a type that needs fields or an address (it is one finding, checked
// as one).

// misfit is a finding value the platform would refuse for its output.
type misfit struct {
	field  string
	item   int // the item of a list; -1: the whole value
	value  string
	reason string
}

// String describes m for a message or an error.
func (m misfit) String() string {
	if m.item < 0 {
		return fmt.Sprintf("%s: %s", m.field, m.reason)
	}
	return fmt.Sprintf("%s item %d: %s", m.field, m.item, m.reason)
}

// maxMisfitValue bounds the value a misfit quotes, in bytes.
const maxMisfitValue = 200

// adFields are the fields the platform's Active Directory output
// processors require (JsonNode.hasNonNull) in each object.
var adFields = map[string][]string{
	"username": {"username"}, "admin_username": {"username"}, "asreproastable_account": {"username"},
	"kerberoastable_account": {"username"}, "share": {"share_name", "permissions"}, "sid": {"sid"},
	"vulnerability": {"name", "status"}, "computer": {"computer_name"}, "password_policy": {"key", "value"},
	"group": {"group_name"}, "delegation": {"account"}, "account_with_password_not_required": {"account"},
}

// itemCheck returns the check of one value of output type typ on v, and
// whether a null or a list is no value of it (see the rules above); a nil
// check when the type takes any value.
func itemCheck(typ string, v PlatformVersion) (check func(any) error, needsValue bool) {
	if fields, ok := adFields[typ]; ok {
		return objectWith(typ, fields), true
	}
	switch typ {
	case "port":
		if v.Current {
			return func(x any) error {
				if !isInteger(x) {
					return fmt.Errorf("port %s is not an integer", short(x))
				}
				return nil
			}, false
		}
	case "number":
		if v.Current {
			return func(x any) error {
				if _, ok := number(x); !ok {
					return fmt.Errorf("%s is not a number", short(x))
				}
				return nil
			}, false
		}
	case "ipv4", "ipv6":
		v4 := typ == "ipv4"
		return func(x any) error { return addressOf(x, v4) }, true
	case "credentials":
		return func(x any) error {
			m, ok := x.(map[string]any)
			if !ok || !nonNull(m, "username") || !nonNull(m, "password") && !nonNull(m, "hash") {
				return fmt.Errorf("credentials %s is not an object with a username, and a password or a hash", short(x))
			}
			return nil
		}, true
	case "cve":
		if !v.Current {
			return objectWith(typ, []string{"id", "host", "severity"}), true
		}
		return validCVE, true
	case "portscan":
		if !v.Current {
			return objectWith(typ, []string{"host", "port", "service"}), true
		}
		return validPortScan, true
	case "asset":
		if v.Current {
			return func(x any) error {
				m, _ := x.(map[string]any)
				if n, _ := m["name"].(string); strings.TrimSpace(n) == "" {
					return fmt.Errorf("asset %s is not an object with a name", short(x))
				}
				return nil
			}, false
		}
	}
	return nil, false
}

// fitOutput returns the value of a finding of output type typ (declared
// multiple or not) that the platform of version v processes: val itself
// when it fits, else without the items that do not (a multiple output's
// list), or nothing (ok false) when no part of it does; and the misfits
// left out, named after field.
func fitOutput(field, typ string, multiple bool, val any, v PlatformVersion) (out any, misfits []misfit, ok bool) {
	check, needsValue := itemCheck(typ, v)
	if check == nil {
		return val, nil, true
	}
	generic, err := genericJSON(val)
	if err != nil {
		return val, nil, true // the encoding reports it
	}
	list, isList := generic.([]any)
	if !isList {
		if err := check(generic); err != nil {
			return nil, []misfit{{field: field, item: -1, value: short(generic), reason: err.Error()}}, false
		}
		return val, nil, true
	}
	if needsValue && !multiple {
		return nil, []misfit{{field: field, item: -1, value: short(generic),
			reason: fmt.Sprintf("a list of %d items under an output not declared multiple is checked as one %s, and is none", len(list), typ)}}, false
	}
	kept := make([]any, 0, len(list))
	for i, x := range list {
		err := check(x)
		if x == nil && needsValue {
			err = fmt.Errorf("null is not a %s", typ)
		}
		if err != nil {
			misfits = append(misfits, misfit{field: field, item: i, value: short(x), reason: err.Error()})
			continue
		}
		kept = append(kept, x)
	}
	switch {
	case len(misfits) == 0:
		return val, nil, true
	case len(kept) == 0:
		return nil, misfits, false
	}
	return kept, misfits, true
}

// genericJSON returns v as encoding/json decodes its JSON form, numbers
// as json.Number.
func genericJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// short renders a generic JSON value, at most maxMisfitValue bytes.
func short(x any) string {
	var s string
	if str, ok := x.(string); ok {
		s = str
	} else {
		b, _ := json.Marshal(x)
		s = string(b)
	}
	return truncateFinding(s, maxMisfitValue)
}

func nonNull(m map[string]any, key string) bool {
	v, ok := m[key]
	return ok && v != nil
}

// objectWith checks for an object holding each of fields, not null.
func objectWith(typ string, fields []string) func(any) error {
	return func(x any) error {
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%s %s is not an object with %s", typ, short(x), strings.Join(fields, " and "))
		}
		for _, f := range fields {
			if !nonNull(m, f) {
				return fmt.Errorf("%s %s has no %s", typ, short(x), f)
			}
		}
		return nil
	}
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

func isInteger(x any) bool {
	f, ok := number(x)
	return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
}

func addressOf(x any, v4 bool) error {
	s, ok := x.(string)
	if !ok {
		return fmt.Errorf("address %s is not a string", short(x))
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not an IP address", short(s))
	case v4 && !a.Is4():
		return fmt.Errorf("%q is not an IPv4 address", short(s))
	case !v4 && !a.Is6():
		return fmt.Errorf("%q is not an IPv6 address", short(s))
	}
	return nil
}

// hosts reads a string or a list of strings.
func hosts(x any) ([]string, bool) {
	switch v := x.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// validCVE: an object with an id, the hosts and a severity (asset ids
// optional: an id or a list of ids).
func validCVE(x any) error {
	m, ok := x.(map[string]any)
	if !ok {
		return fmt.Errorf("cve %s is not an object with id, host and severity", short(x))
	}
	if id, _ := m["id"].(string); strings.TrimSpace(id) == "" {
		return errors.New("cve without an id")
	}
	if h, ok := hosts(m["host"]); !ok || len(h) == 0 {
		return fmt.Errorf("cve %s: host must be a host or a list of hosts", short(m["id"]))
	}
	if _, ok := m["severity"].(string); !ok {
		return fmt.Errorf("cve %s: severity must be a string", short(m["id"]))
	}
	if a, present := m["asset_id"]; present && a != nil {
		if _, ok := hosts(a); !ok {
			return fmt.Errorf("cve %s: asset_id must be an id or a list of ids", short(m["id"]))
		}
	}
	return nil
}

// validPortScan: a row with host and service strings, an integer port,
// and asset_id a string when present.
func validPortScan(x any) error {
	m, ok := x.(map[string]any)
	if !ok {
		return fmt.Errorf("portscan row %s is not an object", short(x))
	}
	for _, k := range []string{"host", "service"} {
		if _, ok := m[k].(string); !ok {
			return fmt.Errorf("portscan row: %s must be a string", k)
		}
	}
	if a, present := m["asset_id"]; present {
		if _, ok := a.(string); !ok {
			return errors.New("portscan row: asset_id must be a string")
		}
	}
	if !isInteger(m["port"]) {
		return fmt.Errorf("portscan row: port %s is not an integer", short(m["port"]))
	}
	return nil
}
