package openaev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/injectkit/injectkit/internal/findingrow"
	"github.com/injectkit/injectkit/internal/inetaddr"
)

// The values a finding output may hold: the platform checks each finding
// against its output's type (the type's output processor, item by item
// for an output declared isMultiple, FindingService.buildFindings), and a
// value that fails makes it drop the WHOLE callback: its message, its
// findings and its expectation signatures. The profile leaves such a
// value out instead, with a WARN, so the rest is stored.
//
// What is known, from the platform code read (2.4.0's processors; 1.18.19's
// ContractOutputType checks the same or less), and sent on both lines:
//   - text, file, action_output, port, number, asset: any value (port's
//     and number's processors check only presence, asset's skips a bad
//     node with a WARN of its own and never throws);
//   - ipv4, ipv6: a string that is such an address, as commons-validator
//     reads one (package inetaddr: "2001:db8::/32" is one, "fe80::1%a b"
//     is not);
//   - credentials: an object with a username, and a password or a hash;
//   - cve: an object with id, host and severity, none null;
//   - portscan: an object with host, port and service, none null;
//   - the Active Directory types: an object with their required fields.
//
// What is assumed: the Current line's processors were not read. The
// profile takes them to check at least what 2.4.0's do, and leaves out
// too, by its own choice, what a stricter processor could refuse: a port
// that is not an integer, a number that is not a number, a cve or
// portscan field not of its type, an asset without a name. Losing one
// malformed value (named in a WARN, a bug of the injector) costs less
// than risking the callback and its signatures; the WARN says the value
// was left out as a precaution, not that the platform refuses it.
//
// A null, or a list under an output not declared isMultiple, is no value
// of a type that needs fields or an address (it is one finding, checked
// as one).
//
// The stand-in writes these rules again (openaevtest's validate.go), on
// purpose: it judges what the profile sends, so it takes none of the
// profile's code, and a rule wrong in a shared copy would pass both.
// TestFindingRulesAgainstThePlatformsCode states the platform's outcomes a
// third time, by hand from its code, and fails a copy that strays. Of
// these rules only the address ones are shared (package inetaddr): they
// are checked against the validator's own answers; and the facts of the
// Active Directory types, which fields each requires, are one table
// (findingrow.RequiredFields), as the names of the types are.

// misfit is a finding value the platform would refuse for its output, or
// (assumed) one a stricter platform could.
type misfit struct {
	field  string
	item   int // the item of a list; -1: the whole value
	value  string
	reason string
	// assumed: no platform code read refuses the value; the Current
	// line's stricter rule left it out.
	assumed bool
	// blank: the platform renders it blank, and loses the whole batch
	// (see blankFinding).
	blank bool
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

// outputRule is how the profile checks one value of an output type.
type outputRule struct {
	// known is the platform's own check, as 2.4.0's processor makes it; nil
	// when it takes any value.
	known func(any) error
	// stricter is the Current line's assumed check, made on values known
	// passes; nil on 2.4.0 and when none is assumed.
	stricter func(any) error
	// needsValue: a null or a list is no value of the type.
	needsValue bool
}

// ruleOf returns the rule of output type typ on v (see the rules above).
func ruleOf(typ string, v PlatformVersion) outputRule {
	var r outputRule
	switch fields, ad := findingrow.RequiredFields(typ); {
	case ad:
		r = outputRule{known: objectWith(typ, fields), needsValue: true}
	case typ == "ipv4" || typ == "ipv6":
		v4 := typ == "ipv4"
		r = outputRule{known: func(x any) error { return addressOf(x, v4) }, needsValue: true}
	case typ == "credentials":
		r = outputRule{known: func(x any) error {
			m, ok := x.(map[string]any)
			if !ok || !nonNull(m, "username") || !nonNull(m, "password") && !nonNull(m, "hash") {
				return fmt.Errorf("credentials %s is not an object with a username, and a password or a hash", short(x))
			}
			return nil
		}, needsValue: true}
	case typ == "cve":
		r = outputRule{known: objectWith(typ, []string{"id", "host", "severity"}), stricter: validCVE, needsValue: true}
	case typ == "portscan":
		r = outputRule{known: objectWith(typ, []string{"host", "port", "service"}), stricter: validPortScan, needsValue: true}
	case typ == "port":
		r.stricter = func(x any) error {
			if !isInteger(x) {
				return fmt.Errorf("port %s is not an integer", short(x))
			}
			return nil
		}
	case typ == "number":
		r.stricter = func(x any) error {
			if _, ok := number(x); !ok {
				return fmt.Errorf("%s is not a number", short(x))
			}
			return nil
		}
	case typ == "asset":
		r.stricter = func(x any) error {
			m, _ := x.(map[string]any)
			if n, _ := m["name"].(string); strings.TrimSpace(n) == "" {
				return fmt.Errorf("asset %s is not an object with a name", short(x))
			}
			return nil
		}
	}
	if !v.Current {
		r.stricter = nil
	}
	return r
}

// check returns the misfit of x (item i of field; -1: the whole value),
// if any.
func (r outputRule) check(field string, i int, x any) (misfit, bool) {
	mf := misfit{field: field, item: i, value: short(x)}
	if r.known != nil {
		if err := r.known(x); err != nil {
			mf.reason = err.Error()
			return mf, true
		}
	}
	if r.stricter != nil {
		if err := r.stricter(x); err != nil {
			mf.reason, mf.assumed = err.Error(), true
			return mf, true
		}
	}
	return misfit{}, false
}

// fitOutput returns the value of a finding of output type typ (declared
// multiple or not) that the platform of version v processes: val itself
// when it fits, else without the items that do not (a multiple output's
// list), or nothing (ok false) when no part of it does; and the misfits
// left out, named after field.
func fitOutput(field, typ string, multiple bool, val any, v PlatformVersion) (out any, misfits []misfit, ok bool) {
	r := ruleOf(typ, v)
	if r.known == nil && r.stricter == nil && !storesFindings[typ] {
		return val, nil, true
	}
	generic, _, err := genericJSON(val)
	if err != nil {
		return val, nil, true // the encoding reports it
	}
	list, isList := generic.([]any)
	if !isList || !multiple {
		if mf, bad := blankFinding(field, -1, typ, generic); bad {
			return nil, []misfit{mf}, false // one finding, the whole value
		}
	}
	if !isList {
		if mf, bad := r.check(field, -1, generic); bad {
			return nil, []misfit{mf}, false
		}
		return val, nil, true
	}
	if r.needsValue && !multiple {
		return nil, []misfit{{field: field, item: -1, value: short(generic),
			reason: fmt.Sprintf("a list of %d items under an output not declared multiple is checked as one %s, and is none", len(list), typ)}}, false
	}
	kept := make([]any, 0, len(list))
	for i, x := range list {
		if x == nil && r.needsValue {
			misfits = append(misfits, misfit{field: field, item: i, value: short(x), reason: fmt.Sprintf("null is not a %s", typ)})
			continue
		}
		if mf, bad := r.check(field, i, x); bad {
			misfits = append(misfits, mf)
			continue
		}
		if mf, bad := blankFinding(field, i, typ, x); bad && multiple {
			misfits = append(misfits, mf)
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

// genericJSON returns v as decodeGeneric decodes its JSON form, and that
// form.
func genericJSON(v any) (any, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeGeneric(b)
	if err != nil {
		return nil, nil, err
	}
	return out, b, nil
}

// decodeGeneric returns the first JSON value of b as encoding/json decodes
// it into an any, numbers as json.Number.
func decodeGeneric(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	err := d.Decode(&out)
	return out, err
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

// addressOf checks x, an ipv4 (v4) or ipv6 output's value, as the
// platform's processor does (see package inetaddr), as it is sent: a
// U+0000 written U+FFFD (see nul.go).
func addressOf(x any, v4 bool) error {
	s, ok := x.(string)
	if !ok {
		return fmt.Errorf("address %s is not a string", short(x))
	}
	s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	switch {
	case v4 && !inetaddr.Valid4(s):
		return fmt.Errorf("%q is not an IPv4 address", short(s))
	case !v4 && !inetaddr.Valid6(s):
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
