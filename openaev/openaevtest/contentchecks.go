package openaevtest

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/injectkit/injectkit/internal/javatext"
)

// ContentChecks returns the keys of the contract fields OpenAEV 2.4.0
// finds unset in an inject of the contract whose contract_content is
// contract, holding content (inject_content) and targeting assets and
// assetGroups (ids): the platform executes the inject only when there is
// none (scheduler/jobs/InjectsExecutionJob.java:202-205, "The inject is
// not ready to be executed (missing mandatory fields)"), and lists them as
// the inject's health checks otherwise. It models HealthCheckUtils
// .runContentChecks (openaev-api …/healthcheck/utils/HealthCheckUtils.java
// :295-470) over the inject's own fields; teams are taken as none:
//
//   - a field whose "mandatory" is true must be set (:341-352);
//   - a field with mandatoryGroups needs one of the group set (:355-393);
//   - a field with mandatoryConditionFields must be set when each named
//     field exists and, where mandatoryConditionValues names it, holds one
//     of its values (:397-467; the value read by InjectModelHelper
//     .getFieldValue: an asset field's assets, a list's items, a string or
//     boolean's text).
//
// Set is InjectModelHelper.isFieldSet (openaev-model …/helper/
// InjectModelHelper.java:174-217): an asset or asset-group field when the
// inject targets some; a text or textarea field when content holds a value
// whose text (Jackson's asText: "" for a list or an object, "null" for
// null) is not empty, or else when the field's defaultValue is a string
// not blank (isFieldValid, :45-60): the platform takes the default as the
// value, and dispatches the inject without it; any other field when
// content holds it and it is no empty list, object or string (null is
// set). A field without "mandatory", or a text field's default that is no
// string, is an error (a NullPointerException there), as is a contract
// that is not a JSON document with a fields list.
func ContentChecks(contract string, content map[string]any, assets, assetGroups []string) ([]string, error) {
	var doc struct {
		Fields []map[string]json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal([]byte(contract), &doc); err != nil {
		return nil, fmt.Errorf("contract content: %w", err)
	}
	raw := map[string]json.RawMessage{}
	for k, v := range content {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("inject_content.%s: %w", k, err)
		}
		raw[k] = b
	}
	c := checker{fields: doc.Fields, content: raw, assets: assets, groups: assetGroups}
	var unset []string
	for _, f := range doc.Fields {
		keys, err := c.check(f)
		if err != nil {
			return nil, err
		}
		unset = append(unset, keys...)
	}
	return unset, nil
}

type checker struct {
	fields         []map[string]json.RawMessage
	content        map[string]json.RawMessage
	assets, groups []string
}

func (c checker) field(key string) map[string]json.RawMessage {
	for _, f := range c.fields {
		if asText(f["key"]) == key {
			return f
		}
	}
	return nil
}

func (c checker) check(f map[string]json.RawMessage) ([]string, error) {
	key := asText(f["key"])
	mandatory, ok := f["mandatory"]
	if !ok {
		return nil, fmt.Errorf("field %s: no mandatory: NullPointerException", key)
	}
	var unset []string
	if string(mandatory) == "true" {
		set, err := c.isSet(f)
		if err != nil {
			return nil, err
		}
		if !set {
			unset = append(unset, key)
		}
	}
	var group []string
	_ = json.Unmarshal(f["mandatoryGroups"], &group)
	if len(group) > 0 {
		one := false
		for _, k := range group {
			if g := c.field(k); g != nil {
				set, err := c.isSet(g)
				if err != nil {
					return nil, err
				}
				one = one || set
			}
		}
		if !one {
			unset = append(unset, group...)
		}
	}
	var conds []string
	_ = json.Unmarshal(f["mandatoryConditionFields"], &conds)
	var values map[string]json.RawMessage
	_ = json.Unmarshal(f["mandatoryConditionValues"], &values)
	for _, k := range conds {
		cf := c.field(k)
		if cf == nil {
			continue
		}
		if want, ok := values[k]; ok {
			var wants []string
			var list []json.RawMessage
			if json.Unmarshal(want, &list) == nil {
				for _, w := range list {
					wants = append(wants, asText(w))
				}
			} else {
				wants = []string{asText(want)}
			}
			if !slices.ContainsFunc(c.value(cf), func(v string) bool { return slices.Contains(wants, v) }) {
				continue
			}
		}
		set, err := c.isSet(f)
		if err != nil {
			return nil, err
		}
		if !set {
			unset = append(unset, key)
		}
	}
	return unset, nil
}

// isSet is InjectModelHelper.isFieldSet.
func (c checker) isSet(f map[string]json.RawMessage) (bool, error) {
	key, typ := asText(f["key"]), asText(f["type"])
	switch typ {
	case "team":
		return false, nil
	case "asset":
		return len(c.assets) > 0, nil
	case "asset-group":
		return len(c.groups) > 0, nil
	}
	v, ok := c.content[key]
	if typ == "text" || typ == "textarea" {
		if ok && asText(v) != "" {
			return true, nil
		}
		def, ok := f["defaultValue"]
		if !ok || string(def) == "null" {
			return false, nil
		}
		var s string
		if json.Unmarshal(def, &s) != nil {
			return false, fmt.Errorf("field %s: defaultValue %s is no string: NullPointerException", key, def)
		}
		return javatext.HasText(s), nil
	}
	if !ok {
		return false, nil
	}
	var x any
	_ = json.Unmarshal(v, &x)
	switch x := x.(type) {
	case []any:
		return len(x) > 0, nil
	case map[string]any:
		return len(x) > 0, nil
	case string:
		return x != "", nil
	}
	return true, nil
}

// value is InjectModelHelper.getFieldValue (teams taken as none).
func (c checker) value(f map[string]json.RawMessage) []string {
	switch asText(f["type"]) {
	case "team":
		return nil
	case "asset":
		return c.assets
	case "asset-group":
		return c.groups
	}
	var x any
	if json.Unmarshal(c.content[asText(f["key"])], &x) != nil {
		return nil
	}
	switch x := x.(type) {
	case []any:
		var out []string
		for _, it := range x {
			if it != nil {
				b, _ := json.Marshal(it)
				out = append(out, asText(b))
			}
		}
		return out
	case string:
		if x != "" {
			return []string{x}
		}
	case bool:
		return []string{fmt.Sprint(x)}
	}
	return nil
}
