package openaevtest

import (
	"fmt"
	"net/http"
	"strings"
)

// Targeted-asset fields (rule 20; 2.4.0 read). Before the outputs and the
// trace of every callback, whatever its action or status,
// InjectExecutionService.processInjectExecution asks
// InjectService.getValueTargetedAssetMap (InjectExecutionService.java
// :107; InjectService.java:1063-1165): for each field of the contract's
// content whose "type" is "targeted-asset" (ContractFieldType.TargetedAsset,
// an implant payload's field; no injector sends one), in order:
//
//  1. its "key" (f.get("key").asText(), :1090): none is a
//     NullPointerException;
//  2. the inject's content under that key, as a List<String>
//     (mapper.convertValue, :1117-1118): a value that is no list of
//     scalars is an IllegalArgumentException; none, or null, gives a null
//     list, whose lookup (EndpointService.endpoints(null): fromIds's
//     root.get("id").in(null), Hibernate iterating it) is taken to throw a
//     NullPointerException (assumed: not run);
//  3. the "targeted-property" field linked to it (:1038-1053): the first
//     field whose key starts with "targeted-property" and whose linkedFields
//     list an object keyed so; a field without a key met first
//     (f.get("key").asText()), or a linked field without one, is a
//     NullPointerException, none a BadRequestException ("No targeted
//     property field found for key: …", :1124-1126);
//  4. the property: the inject's content under that field's key, as text
//     (a list or an object: ""), else the field's defaultValue[0]
//     (:1129-1132; none, or not a list of one at least, a
//     NullPointerException), which must name a ContractTargetedProperty
//     constant, case and all: hostname, seen_ip or local_ip (valueOf,
//     :1134-1135; else an IllegalArgumentException).
//
// Any of those loses the callback whole, nothing of it stored, in the
// batch (BatchingInjectStatusService catches it); the legacy ingestion
// answers a 400 for the IllegalArgumentException (RestBehavior) and the
// BadRequestException (@ResponseStatus), a 500 for a NullPointerException.
// Resolved, the map it builds is read only for an agent's findings
// (FindingService.processAgentFindings): an injector's callback is
// processed as if the field were not there. The inject's content is the
// one its message carries (Platform.Message); an inject whose message the
// stand-in did not write is taken to have none of those keys.

// targetedFields counts the targeted-asset fields of a contract's content.
func targetedFields(contract string) int {
	doc, ok := readStructured(contract)
	if !ok || doc == nil {
		return 0
	}
	n := 0
	fields, _ := doc["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		if typ, _ := fm["type"].(string); typ == "targeted-asset" {
			n++
		}
	}
	return n
}

// targetedAssetsLost returns why the platform loses every callback of an
// inject of content (nil: none known) made with a contract of content
// contract, and the legacy ingestion's answer, or "" (see above).
func targetedAssetsLost(contract string, content map[string]any) (string, int) {
	doc, ok := readStructured(contract)
	if !ok || doc == nil {
		return "", 0 // callbacksLost's
	}
	fields, _ := doc["fields"].([]any)
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		if typ, _ := fm["type"].(string); typ != "targeted-asset" {
			continue
		}
		key, ok := fm["key"]
		if !ok {
			return lostTargeted("a targeted-asset field has no key: InjectService.getValueTargetedAssetMap's " +
				"get(\"key\").asText() throws a NullPointerException")
		}
		k := jsonText(key)
		switch v := content[k].(type) {
		case nil:
			return lostTargeted(fmt.Sprintf("the inject's content holds no asset ids under the targeted-asset field %q: "+
				"InjectService.retrieveValuesOfTargetedAssetFromInject looks the endpoints of a null list up "+
				"(a NullPointerException, assumed)", k))
		case []any:
			for _, id := range v {
				if _, isList := id.([]any); isList {
					return lostList(k)
				}
				if _, isObject := id.(map[string]any); isObject {
					return lostList(k)
				}
			}
		default:
			return lostList(k)
		}
		prop, why := linkedProperty(fields, k)
		if why != "" {
			return lostTargeted(why)
		}
		if why := propertyValue(prop, content); why != "" {
			return lostTargeted(why)
		}
	}
	return "", 0
}

// linkedProperty returns the targeted-property field linked to the
// targeted-asset field key, or why the platform's lookup throws.
func linkedProperty(fields []any, key string) (map[string]any, string) {
	for _, f := range fields {
		fm, _ := f.(map[string]any)
		k, ok := fm["key"]
		if !ok {
			return nil, "a field has no key: InjectService.getTargetedPropertyFieldOfTargetedAsset's " +
				"get(\"key\").asText() throws a NullPointerException"
		}
		if !strings.HasPrefix(jsonText(k), "targeted-property") {
			continue
		}
		linked, _ := fm["linkedFields"].([]any)
		for _, l := range linked {
			lm, _ := l.(map[string]any)
			lk, ok := lm["key"]
			if !ok {
				return nil, fmt.Sprintf("a linkedFields entry of %q has no key: a NullPointerException", jsonText(k))
			}
			if jsonText(lk) == key {
				return fm, ""
			}
		}
	}
	return nil, fmt.Sprintf("no targeted-property field is linked to the targeted-asset field %q: "+
		"InjectService throws BadRequestException(\"No targeted property field found for key: %s\")", key, key)
}

// propertyValue returns why the targeted property of field prop, read
// from content or its default, names no ContractTargetedProperty, or "".
func propertyValue(prop map[string]any, content map[string]any) string {
	pk := jsonText(prop["key"])
	var value string
	if v, ok := content[pk]; ok {
		value = jsonText(v)
	} else {
		def, _ := prop["defaultValue"].([]any)
		if len(def) == 0 || def[0] == nil {
			return fmt.Sprintf("the inject's content has no %q and its field no defaultValue[0]: a NullPointerException", pk)
		}
		value = jsonText(def[0])
	}
	switch value {
	case "hostname", "seen_ip", "local_ip":
		return ""
	}
	return fmt.Sprintf("targeted property %q is no ContractTargetedProperty (hostname, seen_ip, local_ip): "+
		"valueOf throws IllegalArgumentException", value)
}

// jsonText is JsonNode.asText of a decoded JSON value: a string as it
// is, a number or a boolean as written, null "null", a list or an object "".
func jsonText(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any, map[string]any:
		return ""
	}
	s, _ := scalarText(v)
	return s
}

// lostList is the Reason and legacy answer of a targeted-asset field's
// value that is no list of scalars.
func lostList(key string) (string, int) {
	return lostTargeted(fmt.Sprintf("the inject's content under the targeted-asset field %q is no list of asset ids: "+
		"ObjectMapper.convertValue throws IllegalArgumentException", key))
}

// lostTargeted is the Reason and legacy answer of a lookup that throws:
// a 400 for a BadRequestException or an IllegalArgumentException, else a 500.
func lostTargeted(why string) (string, int) {
	status := http.StatusInternalServerError
	if strings.Contains(why, "BadRequestException") || strings.Contains(why, "IllegalArgumentException") {
		status = http.StatusBadRequest
	}
	return why + " (InjectService.getValueTargetedAssetMap, before anything is stored): the callback is lost", status
}
