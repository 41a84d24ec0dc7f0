package openaevtest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Version is the platform behaviour a stand-in models.
type Version int

// The two behaviours. The platform's releases went 2.4.0 (2026-05-19), then
// calendar versions 2.YYMMDD.N from June 2026 and 3.YYMMDD.N from late July
// 2026. Signature processing was merged on 2026-06-24: 2.260624 and later,
// and every 3.x, behave as Current; anything older, 2.4.x included, behaves
// as Version24.
const (
	// Current is the 2026-08 line (3.260821.0): signature processing, the
	// data action, EXECUTED, target-scoped traces.
	Current Version = iota
	// Version24 is OpenAEV 2.4.0: no signatures, no file/
	// expectation_signature/action_output outputs, strict status names.
	Version24
)

// String returns the version string the stand-in reports by default.
func (v Version) String() string {
	if v == Version24 {
		return "2.4.0"
	}
	return "3.260821.0"
}

// Classify returns the behaviour of a platform version string such as
// "2.4.0", "2.260701.1" or "3.260821.0".
func Classify(s string) (Version, error) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")
	if len(parts) < 2 {
		return Current, fmt.Errorf("platform version %q: want MAJOR.MINOR[.PATCH]", s)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Current, fmt.Errorf("platform version %q: %q is not a number", s, p)
		}
		nums[i] = n
	}
	switch major, minor := nums[0], nums[1]; {
	case major >= 3:
		return Current, nil
	case major == 2 && minor >= 260624:
		return Current, nil
	}
	return Version24, nil
}

// deniedStatus is what a platform reporting version s answers a token
// without the rights on an inject, on route kind: 403 from 2.0.0 on (the
// inject routes carry @RBAC, renamed @AccessControl by 2.4.0, whose aspect
// throws ResponseStatusException(FORBIDDEN), a 403 RestBehavior leaves
// alone); on 1.x, 404 on the reception and the callbacks (@Secured
// (ROLE_ADMIN): AccessDeniedException, which RestBehavior answers 404) and
// 0 on GET /api/injects/{id}, which checks no right there. A string whose
// major version cannot be read is the newest behaviour.
func deniedStatus(s, kind string) int {
	switch {
	case preRBAC(s) && (kind == KindInject || kind == KindFindings):
		return 0
	case preRBAC(s):
		return http.StatusNotFound
	}
	return http.StatusForbidden
}

// preRBAC reports whether version string s is a 1.x platform's, before
// the inject routes carried @RBAC (2.0.0); false for a string whose
// major version cannot be read (the newest behaviour).
func preRBAC(s string) bool {
	major, err := strconv.Atoi(strings.Split(strings.TrimPrefix(strings.TrimSpace(s), "v"), ".")[0])
	return err == nil && major < 2
}

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

func union(a map[string]bool, vs ...string) map[string]bool {
	m := make(map[string]bool, len(a)+len(vs))
	for k := range a {
		m[k] = true
	}
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// The platform's enums, by version (read-only after package init).
var (
	// Endpoint.PLATFORM_TYPE (contract_platforms).
	// In 2.4.0's order (openaev-model …/database/model/Endpoint.java:57-73):
	// a JSON index binds the constant at its place (bindEnum).
	platformOrder24  = []string{"Linux", "Windows", "MacOS", "Container", "Service", "Generic", "Internal", "Unknown"}
	platforms24      = set(platformOrder24...)
	platformsCurrent = union(platforms24, "Android", "iOS")

	// ContractOutputType (contract_content.outputs[].type).
	outputs24      = set(outputOrder24...)
	outputsCurrent = union(outputs24, "file", "expectation_signature", "action_output")
	// 2.4.0's ContractOutputType in its order
	// (openaev-model …/database/model/ContractOutputType.java): a JSON
	// index binds the constant at its place (readOutputs).
	outputOrder24 = []string{"text", "number", "port", "portscan", "ipv4", "ipv6", "credentials", "cve", "username", "share",
		"admin_username", "group", "computer", "password_policy", "delegation", "sid", "vulnerability",
		"account_with_password_not_required", "asreproastable_account", "kerberoastable_account", "asset"}

	// InjectExecutionAction (execution_action), in 2.4.0's order
	// (rest/inject/form/InjectExecutionAction.java:3-14): a JSON index
	// binds the constant at its place (bindAction).
	actionOrder24  = []string{"prerequisite_check", "prerequisite_execution", "cleanup_execution", "command_execution", "dns_resolution", "file_execution", "file_drop", "complete"}
	actions24      = set(actionOrder24...)
	actionsCurrent = union(actions24, "data")

	// ExecutionTraceStatus (execution_status): 2.4.0 parses with valueOf
	// (exact case); Current with fromName (trimmed, upper-cased, spaces to
	// underscores, SUCCESS an alias of EXECUTED).
	statuses24 = set("SUCCESS", "SUCCESS_WITH_CLEANUP_FAIL", "WARNING", "ACCESS_DENIED", "ERROR", "COMMAND_NOT_FOUND",
		"COMMAND_CANNOT_BE_EXECUTED", "PREREQUISITE_FAILED", "INVALID_USAGE", "TIMEOUT", "INTERRUPTED",
		"ASSET_AGENTLESS", "AGENT_INACTIVE", "INFO", "PARTIAL", "MAYBE_PREVENTED", "MAYBE_PARTIAL_PREVENTED")
	statusesCurrent = union(statuses24, "EXECUTED", "EXECUTED_WITH_CLEANUP_FAILURE", "AGENT_OVERLOADED")
	// 1.x's (1.18.19 openbas-model …/ExecutionTraceStatus.java): no
	// TIMEOUT, INVALID_USAGE, INTERRUPTED, PREREQUISITE_FAILED,
	// ACCESS_DENIED or SUCCESS_WITH_CLEANUP_FAIL, which 2.4.0 has.
	statuses1x = set("SUCCESS", "ERROR", "MAYBE_PREVENTED", "COMMAND_NOT_FOUND", "COMMAND_CANNOT_BE_EXECUTED", "WARNING",
		"PARTIAL", "MAYBE_PARTIAL_PREVENTED", "ASSET_AGENTLESS", "AGENT_INACTIVE", "INFO")

	// ExecutionTraceStatus.ERROR_STATUSES and SUCCESS_STATUSES, the same
	// on 2.4.0 and Current but for the success names (the deprecated
	// PARTIAL, MAYBE_PREVENTED and MAYBE_PARTIAL_PREVENTED are errors,
	// ACCESS_DENIED a success); every other status (INFO,
	// ASSET_AGENTLESS, AGENT_OVERLOADED) counts as neither.
	errorTraces = set("ERROR", "COMMAND_NOT_FOUND", "COMMAND_CANNOT_BE_EXECUTED", "PREREQUISITE_FAILED",
		"INVALID_USAGE", "TIMEOUT", "INTERRUPTED", "PARTIAL", "MAYBE_PREVENTED", "MAYBE_PARTIAL_PREVENTED")
	successTraces = set("SUCCESS", "SUCCESS_WITH_CLEANUP_FAIL", "EXECUTED", "EXECUTED_WITH_CLEANUP_FAILURE",
		"WARNING", "ACCESS_DENIED")

	// pyoaev's closed SignatureTypes enum, through which the collectors read
	// every pending expectation.
	signatureTypes = set("process_name", "parent_process_name", "command_line", "ipv4_address", "ipv6_address",
		"source_ipv4_address", "source_ipv6_address", "target_ipv4_address", "target_ipv6_address", "hostname",
		"target_hostname_address", "start_date", "end_date", "cloud_provider", "cloud_account_id", "cloud_region",
		"target_service", "query", "url_hash", "file_name", "file_hash", "source_email", "target_email",
		"email_custom_header", "ai_request_marker", "ai_target_endpoint")
)

func (v Version) platforms() map[string]bool {
	if v == Version24 {
		return platforms24
	}
	return platformsCurrent
}

func (v Version) outputs() map[string]bool {
	if v == Version24 {
		return outputs24
	}
	return outputsCurrent
}

func (v Version) actions() map[string]bool {
	if v == Version24 {
		return actions24
	}
	return actionsCurrent
}

// actionNames are the version's InjectExecutionAction names, as Jackson's
// refusal lists them: in declaration order on 2.4.0, sorted on Current
// (whose order was not read).
func (v Version) actionNames() []string {
	if v == Version24 {
		return actionOrder24
	}
	return slices.Sorted(maps.Keys(actionsCurrent))
}

// actionEnum is the version's InjectExecutionAction, as Jackson binds it
// (bindEnum): indexed on 2.4.0; on Current, whose order was not read, an
// index is refused.
func (v Version) actionEnum() enumType {
	return enumType{"InjectExecutionAction", v.actionNames(), v.actions(), v == Version24}
}

// platformEnum is the version's Endpoint.PLATFORM_TYPE, as Jackson binds
// it (bindEnum): indexed on 2.4.0; on Current, whose order was not read,
// an index is refused.
func (v Version) platformEnum() enumType {
	if v == Version24 {
		return enumType{"Endpoint$PLATFORM_TYPE", platformOrder24, platforms24, true}
	}
	return enumType{"Endpoint$PLATFORM_TYPE", slices.Sorted(maps.Keys(platformsCurrent)), platformsCurrent, false}
}

// status parses an execution status as the version does, returning the
// canonical name. Current's is ExecutionTraceStatus.fromName (the code
// index's openaev-model …/database/model/ExecutionTraceStatus.java, the
// version with EXECUTED_WITH_CLEANUP_FAIL): String.trim (every char up to
// U+0020, no other space), ' ' to '_', toUpperCase(Locale.ROOT) (full case
// mapping: javaUpper), SUCCESS read as EXECUTED and the four spellings of
// a success whose cleanup failed as EXECUTED_WITH_CLEANUP_FAILURE, any
// other name by valueOf.
func (v Version) status(s string) (string, bool) {
	if v == Version24 {
		return s, statuses24[s]
	}
	n := javaUpper(strings.ReplaceAll(javaTrim(s), " ", "_"))
	switch n {
	case "SUCCESS":
		n = "EXECUTED"
	case "SUCCESS_WITH_CLEANUP_FAIL", "SUCCESS_WITH_CLEANUP_FAILURE", "EXECUTED_WITH_CLEANUP_FAIL":
		n = "EXECUTED_WITH_CLEANUP_FAILURE"
	}
	return n, statusesCurrent[n]
}

// javaUpper is Java's String.toUpperCase(Locale.ROOT) for what can make
// an ASCII name: Go's per-rune upper case, but the full mappings of ß
// (SS) and the Latin ligatures U+FB00 to U+FB06 (FF, FI, FL, FFI, FFL,
// ST, ST), which take two or three letters.
func javaUpper(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'ß':
			b.WriteString("SS")
		case r >= 0xFB00 && r <= 0xFB06:
			b.WriteString([...]string{"FF", "FI", "FL", "FFI", "FFL", "ST", "ST"}[r-0xFB00])
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// KnownOutputType reports whether the version knows a contract output type.
func KnownOutputType(v Version, outputType string) bool { return v.outputs()[outputType] }

// KnownPlatform reports whether the version knows a contract platform.
func KnownPlatform(v Version, platform string) bool { return v.platforms()[platform] }

// KnownSignatureType reports whether a signature type is a member of
// pyoaev's closed SignatureTypes enum (what the collectors can read).
func KnownSignatureType(t string) bool { return signatureTypes[t] }
