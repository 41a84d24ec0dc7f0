package openaevtest

import (
	"fmt"
	"maps"
	"slices"
)

// How 2.4.0 binds the registration input's properties other than the
// injector's names and contracts' ids, content, platforms, attack
// patterns and domains (contracts.go): Jackson's binding, a 400 for a
// value it cannot bind, before the handler runs (2.4.0 read:
// rest/injector/form/InjectorCreateInput.java,
// rest/injector_contract/form/InjectorContractInput.java).
// InjectorCreateInput: injector_category a String, injector_custom_contracts
// and injector_payloads Booleans, injector_executor_commands and
// injector_executor_clear_commands Maps of String to String.
// InjectorContractInput: contract_labels a Map of String to String,
// contract_manual and is_atomic_testing booleans.

// bindCreateInput binds InjectorCreateInput's category, flags and
// executor commands of in (numbers as written), returning the
// injector_payloads it binds to, the flag bound null ("" for none), or
// why Jackson refuses one of them.
func bindCreateInput(in map[string]any) (payloads bool, null, refusal string) {
	if _, r := bindString(in["injector_category"]); r != "" {
		return false, "", "injector_category: " + r
	}
	for _, k := range []string{"injector_custom_contracts", "injector_payloads"} {
		v, given := in[k]
		b, r := bindBool(v)
		if r != "" {
			return false, "", k + ": " + r
		}
		if given && null == "" && boxedNull(v) {
			null = k
		}
		if k == "injector_payloads" {
			payloads = b
		}
	}
	for _, k := range []string{"injector_executor_commands", "injector_executor_clear_commands"} {
		if r := bindStringMap(in[k]); r != "" {
			return false, "", k + ": " + r
		}
	}
	return payloads, null, ""
}

// boxedNull reports whether Jackson binds x, a value bindBool takes, to a
// null Boolean: JSON null, or a text that is blank or "null" once trimmed
// (Jackson 2.19's coercion of an empty or "null" text gives a wrapper
// type its null, where bindBool's primitive gets false).
func boxedNull(x any) bool {
	if x == nil {
		return true
	}
	s, ok := x.(string)
	return ok && (javaTrim(s) == "" || javaTrim(s) == "null")
}

// bindContractProps binds InjectorContractInput's labels, manual and
// is_atomic_testing of one contract entry m, or returns why Jackson
// refuses one of them.
func bindContractProps(m map[string]any) error {
	if r := bindStringMap(m["contract_labels"]); r != "" {
		return fmt.Errorf("contract_labels: %s", r)
	}
	for _, k := range []string{"contract_manual", "is_atomic_testing"} {
		if _, r := bindBool(m[k]); r != "" {
			return fmt.Errorf("%s: %s", k, r)
		}
	}
	return nil
}

// bindStringMap binds a Map<String,String> property as Jackson does: null
// (or left out) binds; an object binds when each of its values binds as a
// String (bindString: null, a number or a boolean kept, an object or a
// list refused); anything else is refused, a string too (HashMap has no
// String creator, and an empty string is no null Map:
// ACCEPT_EMPTY_STRING_AS_NULL_OBJECT is off).
func bindStringMap(x any) string {
	const what = "Cannot deserialize value of type `java.util.HashMap<java.lang.String,java.lang.String>`"
	switch v := x.(type) {
	case nil:
		return ""
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if _, r := bindString(v[k]); r != "" {
				return fmt.Sprintf("[%q]: %s", k, r)
			}
		}
		return ""
	}
	return what + " from " + kindOf(x)
}

// storedProps returns what InjectorContractInput binds of m's labels
// (each value's text, null ""), contract_manual (false when left out) and
// is_atomic_testing (true when left out; a null is false, the primitive's
// default). m binds (bindContractProps).
func storedProps(m map[string]any) (labels map[string]string, manual, atomic bool) {
	if l, ok := m["contract_labels"].(map[string]any); ok {
		labels = make(map[string]string, len(l))
		for k, v := range l {
			labels[k], _ = bindString(v)
		}
	}
	manual, _ = bindBool(m["contract_manual"])
	atomic = true
	if v, given := m["is_atomic_testing"]; given {
		atomic, _ = bindBool(v)
	}
	return labels, manual, atomic
}
