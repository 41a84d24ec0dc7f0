package openaevtest

import (
	"fmt"
	"strings"
)

// The database refuses U+0000 in the text it stores (rule 12): the
// PostgreSQL JDBC driver in a TEXT parameter ("Zero bytes may not occur in
// string parameters"), PostgreSQL itself in jsonb ("unsupported Unicode
// escape sequence").

// traceNUL returns why the platform of version v fails to save the
// execution trace of a callback whose body holds U+0000 in what the trace
// row stores (execution_traces.execution_message, TEXT, and on Current
// the execution_context_identifiers, text[]: 2.4.0's
// ExecutionTraceRepositoryHelper.saveExecutionTrace sets them with
// ps.setString and createArrayOf("text"), and wraps the SQLException in a
// RuntimeException), or "". 2.4.0's InjectExecutionInput has no
// execution_context_identifiers: the property is unknown, ignored when
// the body is bound, and the trace's identifiers are null
// (InjectStatusService.java:172-182).
func traceNUL(v Version, body map[string]any) string {
	if s, _ := body["execution_message"].(string); hasNUL(s) {
		return "execution_message holds U+0000, which PostgreSQL refuses in execution_traces.execution_message (TEXT): " +
			"ExecutionTraceRepositoryHelper.saveExecutionTrace throws and the callback is lost"
	}
	if v == Version24 {
		return ""
	}
	ids, _ := body["execution_context_identifiers"].([]any)
	for _, id := range ids {
		if s, _ := id.(string); hasNUL(s) {
			return "execution_context_identifiers holds U+0000, which PostgreSQL refuses in execution_traces (text[]): " +
				"ExecutionTraceRepositoryHelper.saveExecutionTrace throws and the callback is lost"
		}
	}
	return ""
}

// findingNUL returns why the platform fails to store the findings of an
// output whose value holds U+0000 in any string (findings.finding_value is
// TEXT, and the processors build it from the value's strings), or "".
func findingNUL(o contractOutput, value any) string {
	if noFindings[o.Type] || !anyNUL(value) {
		return ""
	}
	return fmt.Sprintf("output %s (%s): a finding holds U+0000, which PostgreSQL refuses in findings.finding_value (TEXT): "+
		"the insert fails and the callback's transaction rolls back", o.Field, o.Type)
}

// signatureNUL returns why the platform fails to store signatures one of
// which holds U+0000 in its type or value (the inject expectations keep
// them in jsonb, which refuses \u0000), or "".
func signatureNUL(o contractOutput, sigs []Signature) string {
	for _, s := range sigs {
		if hasNUL(s.Type) || hasNUL(s.Value) {
			return fmt.Sprintf("output %s (%s): signature %q holds U+0000, which PostgreSQL refuses in jsonb "+
				"(unsupported Unicode escape sequence): the update fails and the callback's transaction rolls back",
				o.Field, o.Type, strings.ToValidUTF8(s.Type, "?"))
		}
	}
	return ""
}

func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// anyNUL reports whether a decoded JSON value holds U+0000 in a string
// or an object key, at any depth.
func anyNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return hasNUL(x)
	case []any:
		for _, e := range x {
			if anyNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if hasNUL(k) || anyNUL(e) {
				return true
			}
		}
	}
	return false
}

// errZeroBytes is the PostgreSQL JDBC driver's refusal of a string
// parameter holding U+0000 (PSQLException, SQLState 22, which Hibernate
// translates to a DataException and Spring to a
// DataIntegrityViolationException).
const errZeroBytes = "Zero bytes may not occur in string parameters."

// registrationNUL returns why the registration's save of a contract fails
// on U+0000 in what the handler binds to a query's parameter, or "": an
// attack pattern's external id (attackPatternRepository.findAllByExternalIdInIgnoreCaseAndTenantId)
// or a domain's name (DomainService.upserts' findByNameIn) or colour (its
// insert), each inside registerExternalInjector's try, wrapped in a
// RuntimeException: a 500 for a new injector and an update alike.
func registrationNUL(m map[string]any) string {
	ids, _ := m["contract_attack_patterns_external_ids"].([]any)
	for _, id := range ids {
		if s, _ := id.(string); hasNUL(s) {
			return "contract_attack_patterns_external_ids holds U+0000 (the attack patterns' query): " + errZeroBytes
		}
	}
	ds, _ := m["contract_domains"].([]any)
	for _, d := range ds {
		dm, _ := d.(map[string]any)
		for _, k := range []string{"domain_name", "domain_color"} {
			if s, _ := dm[k].(string); hasNUL(s) {
				return "contract_domains: " + k + " holds U+0000 (DomainService.upserts): " + errZeroBytes
			}
		}
	}
	return ""
}

// labelsNUL returns why the save of a contract whose contract_labels (an
// hstore, PostgreSQLHStoreType) hold U+0000 in a key or a value fails, or
// "": it fails as the injectors table's columns do (columns.go), at the
// flush: a 500 for a new injector, a 409 for an update.
func labelsNUL(m map[string]any) string {
	labels, _ := m["contract_labels"].(map[string]any)
	for k, v := range labels {
		if s, _ := v.(string); hasNUL(k) || hasNUL(s) {
			return "contract_labels holds U+0000 (injectors_contracts.injector_contract_labels hstore): " + errZeroBytes
		}
	}
	return ""
}
