package openaevtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/injectkit/injectkit/internal/findingrow"
	"github.com/injectkit/injectkit/internal/inetaddr"
)

// The platform's output processors: what each contract output type must
// hold for a callback to be processed.
//
// The openaev profile writes the same rules in its own code (openaev's
// fit.go, which leaves out what they refuse), on purpose: the stand-in
// judges the profile, so it takes none of its code, and a rule wrong in a
// shared copy would pass both. TestFindingRulesAgainstThePlatformsCode
// checks both copies against a third, written by hand from the platform's
// code. Of these rules only the address ones are shared (package
// inetaddr): they are checked against the validator's own answers; and
// the Active Directory types' required fields, a fact, are one table
// (findingrow.RequiredFields).

// ValidateOutput checks one structured output value, as decoded from JSON
// (see Call.Structured), the way the platform's output processor of
// outputType does on version v for an output declared isMultiple or not:
// FindingService.buildFindings validates a list item by item only when
// the output is isMultiple, else the whole value as one (so a list of
// cves, portscan rows or addresses under isMultiple false fails). A JSON
// null is one value too: a finding "null" for the types whose processor
// accepts any value (text, number, port), a failure for the types whose
// processor requires fields or an address (hasNonNull on a null fails).
// An unknown type is an error, as it is for the platform (which then
// drops the callback). An expectation_signature value is never refused
// (parseSignatures reads any as signatures or none).
func ValidateOutput(v Version, outputType string, multiple bool, value any) error {
	if !KnownOutputType(v, outputType) {
		return fmt.Errorf("output type %q is unknown to platform %s", outputType, v)
	}
	if err := findingShape(outputType, multiple, value); err != nil {
		return err
	}
	if value == nil {
		return nil
	}
	fields, ok := findingrow.RequiredFields(outputType)
	if v == Version24 {
		if f24, ok24 := presence24[outputType]; ok24 {
			fields, ok = f24, len(f24) > 0
			if !ok {
				return nil
			}
		}
	}
	if ok {
		return eachObject(value, outputType+" %v is not an object with "+strings.Join(fields, " and "), func(m map[string]any) error {
			for _, f := range fields {
				if !hasNonNull(m, f) {
					return fmt.Errorf("%s without %s", outputType, f)
				}
			}
			return nil
		})
	}
	switch outputType {
	case "cve":
		return eachObject(value, "cve %v is not an object with id, host and severity", validCVE)
	case "ipv4":
		return eachItem(value, func(x any) error { return validAddr(x, true) })
	case "ipv6":
		return eachItem(value, func(x any) error { return validAddr(x, false) })
	case "credentials":
		return eachObject(value, "credentials %v is not an object with username and password or hash", func(m map[string]any) error {
			if !hasNonNull(m, "username") || !hasNonNull(m, "password") && !hasNonNull(m, "hash") {
				return errors.New("credentials without username, or without both password and hash")
			}
			return nil
		})
	case "port":
		return eachItem(value, func(x any) error {
			if !isInteger(x) {
				return fmt.Errorf("port %v is not an integer", x)
			}
			return nil
		})
	case "number":
		return eachItem(value, func(x any) error {
			if _, ok := number(x); !ok {
				return fmt.Errorf("%v is not a number", x)
			}
			return nil
		})
	case "portscan":
		return eachObject(value, "portscan row %v is not an object", validPortScan)
	case "asset":
		return eachObject(value, "asset %v is not an object", validAsset)
	}
	return nil
}

// findingShape checks what FindingService.buildFindings makes of a value
// before the type's own checks: one finding per item of a list when
// multiple, else one of the whole value, where a null or a list is no
// finding of a type that requires fields or an address.
func findingShape(outputType string, multiple bool, value any) error {
	if anyValueTypes[outputType] || outputType == "asset" || outputType == "expectation_signature" {
		return nil // asset and signatures are no findings: their processors read the value themselves
	}
	list, isList := value.([]any)
	switch {
	case value == nil:
		return fmt.Errorf("null is not a %s", outputType)
	case isList && !multiple:
		return fmt.Errorf("a list of %d items under an output not declared isMultiple is validated as one %s, and is none",
			len(list), outputType)
	}
	for i, x := range list {
		if x == nil {
			return fmt.Errorf("item %d: null is not a %s", i, outputType)
		}
	}
	return nil
}

// anyValueTypes are the output types whose processor validates nothing
// but presence (AbstractOutputProcessor.validate): any value, null
// included, is a finding. file and action_output are Current's, assumed
// alike.
var anyValueTypes = set("text", "number", "port", "file", "action_output")

// presence24 are the output types whose 2.4.0 processors check less than
// the stand-in does on Current (where the stand-in assumes stricter rules,
// which no platform code read applies, as the line's processors were not
// read): only that each listed field is
// present and not null (cve, portscan), nothing at all (port, number,
// whose processors take any value), or each list item's shape not at all
// (asset: AssetOutputProcessor skips a node that is not a list, or a
// nameless node, with a WARN).
var presence24 = map[string][]string{
	"cve": {"id", "host", "severity"}, "portscan": {"host", "port", "service"},
	"port": nil, "number": nil, "asset": nil,
}

// hasNonNull is Jackson's JsonNode.hasNonNull: the key is present and not
// null.
func hasNonNull(m map[string]any, key string) bool {
	v, ok := m[key]
	return ok && v != nil
}

// eachItem applies check to every element of a list, or to a single value.
func eachItem(value any, check func(any) error) error {
	list, ok := value.([]any)
	if !ok {
		return check(value)
	}
	for i, x := range list {
		if err := check(x); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return nil
}

// eachObject is eachItem for values that must be JSON objects: any other
// is the error notObject, a format given the value.
func eachObject(value any, notObject string, check func(map[string]any) error) error {
	return eachItem(value, func(x any) error {
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf(notObject, x)
		}
		return check(m)
	})
}

func number(x any) (float64, bool) {
	switch n := x.(type) {
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case int:
		return float64(n), true
	}
	return 0, false
}

func isInteger(x any) bool {
	f, ok := number(x)
	return ok && f == math.Trunc(f) && !math.IsInf(f, 0)
}

// validAddr models IPv4OutputProcessor and IPv6OutputProcessor:
// commons-validator's isValidInet4Address and isValidInet6Address (see
// package inetaddr) on the node's text.
func validAddr(x any, v4 bool) error {
	s, ok := x.(string)
	if !ok {
		return fmt.Errorf("address %v is not a string", x)
	}
	switch {
	case v4 && !inetaddr.Valid4(s):
		return fmt.Errorf("%q is not an IPv4 address", s)
	case !v4 && !inetaddr.Valid6(s):
		return fmt.Errorf("%q is not an IPv6 address", s)
	}
	return nil
}

// stringsOf reads a string or a list of strings.
func stringsOf(x any) ([]string, bool) {
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

// validCVE models CVEOutputProcessor.validate: an object with an id, the
// hosts and a severity (asset ids optional).
func validCVE(m map[string]any) error {
	if id, _ := m["id"].(string); strings.TrimSpace(id) == "" {
		return errors.New("cve without an id")
	}
	if hosts, ok := stringsOf(m["host"]); !ok || len(hosts) == 0 {
		return fmt.Errorf("cve %v: host must be a host or a list of hosts", m["id"])
	}
	if _, ok := m["severity"].(string); !ok {
		return fmt.Errorf("cve %v: severity must be a string", m["id"])
	}
	if a, present := m["asset_id"]; present && a != nil {
		if _, ok := stringsOf(a); !ok {
			return fmt.Errorf("cve %v: asset_id must be an id or a list of ids", m["id"])
		}
	}
	return nil
}

// validPortScan models PortScanOutputProcessor: rows with host, an
// integer port and service (its required fields); asset_id, the one it
// does not require, is a string when present.
func validPortScan(m map[string]any) error {
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
		return fmt.Errorf("portscan row: port %v is not an integer", m["port"])
	}
	return nil
}

func validAsset(m map[string]any) error {
	if n, _ := m["name"].(string); strings.TrimSpace(n) == "" {
		return errors.New("asset without a name")
	}
	return nil
}
