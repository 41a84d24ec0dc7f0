package openaevtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// The findings a processed output becomes, and the database limit on
// them.

// MaxFindingRow is the longest row, in bytes, of the findings index the
// stand-in stores. The platform keeps findings in a table with a unique
// index on (finding_inject_id, finding_type, finding_value, finding_field)
// (migration V3_95), and PostgreSQL refuses a btree index row over 2704
// bytes, the whole row: the insert throws, and the batch's transaction
// (BatchingInjectStatusService, REQUIRES_NEW) rolls back, the findings
// of its worker group's callbacks lost (their traces and statuses, written
// outside it, kept). The row of a finding is an 8-byte header, then each
// column as a varlena (a 1-byte header for up to 126 bytes, else a 4-byte
// header on a 4-byte boundary), rounded up to 8 bytes; its finding_type
// is the ContractOutputType constant's name (Text, PortsScan, CVE). With
// a 36-byte inject id (a UUID) and the type Text a value fits in
// 2647 - len(field) bytes: 8 + 37 + 5 + 2 (padding) + 4 + value +
// 1 + field ≤ 2704. PostgreSQL compresses a long value first when it can;
// the stand-in measures the raw value, and so refuses some compressible
// values the platform would store, never one it would refuse.
const MaxFindingRow = findingrow.MaxRow

// MaxFindingField is the most characters of a declared output's field
// the platform stores as a finding's finding_field: the findings table's
// column is varchar(255) (migration V3_68__Add_Findings; 2.4.0 read,
// Current taken as alike), set from the output's field
// (FindingUtils.createFinding, ContractOutputContext.from) and checked
// for nothing but @NotBlank (Finding.java:42-46). A finding of a longer
// field fails its insert ("value too long for type character
// varying(255)", Hibernate's DataException) when the batch commits, which
// rolls back as for any finding the database refuses; the legacy
// ingestion answers 409, the exception translated to a
// DataIntegrityViolationException (RestBehavior.java:250-278). An output
// that stores no finding (an asset, an empty list) is never inserted.
const MaxFindingField = 255

// noFindings are the output types whose processor stores no finding.
var noFindings = set("asset", "expectation_signature", "action_output")

// findingValues returns the finding values the platform stores for one
// declared output: one per item of a list when the output is isMultiple,
// else one for the whole value (FindingService.buildFindings), each
// rendered as the type's toFindingValue does.
func findingValues(outputType string, multiple bool, value any) []string {
	items := findingItems(outputType, multiple, value)
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = findingValue(outputType, x)
	}
	return out
}

// findingItems returns the JSON values the findings of one declared
// output are built from: each item of a list when the output is
// isMultiple, else the whole value (FindingService.buildFindings); none
// for an output type whose processor stores no finding.
func findingItems(outputType string, multiple bool, value any) []any {
	if noFindings[outputType] {
		return nil
	}
	if list, ok := value.([]any); ok && multiple {
		return list
	}
	return []any{value}
}

// findingValue renders one finding as the output's processor does
// (findingrow.Value: toFindingValue, buildString). A type 2.4.0 lacks
// (Current's file, whose processor was not read) renders an object or a
// list as its JSON: longer than any rendering of it, and never blank.
func findingValue(outputType string, v any) string {
	switch v.(type) {
	case map[string]any, []any:
		if !outputs24[outputType] {
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	return findingrow.Value(outputType, v)
}

// checkFindings returns why the platform fails to store the findings of
// an output of inject injectID, value the output as the platform's tree
// holds it (treeValue), or ""; and the legacy ingestion's answer then.
//
// A finding rendered blank (Finding.value is @NotBlank,
// openaev-model/…/database/model/Finding.java:55-59; Hibernate's
// NotBlankValidator is String.trim, javaTrim: "", "   ", "\"\"", a list
// of empty strings, whose items join as " ", an object or a list as a
// text, number or port, whose JsonNode.asText is "", a cve whose id is
// "") fails bean validation (spring-boot-starter-validation,
// openaev-model/pom.xml:33) when the insert is flushed, at the latest
// when the batch's transaction commits (FindingService.java:215-221,
// BatchingInjectStatusService.java:58): it rolls back, and
// BatchQueueService (openaev-model …/service/queue/BatchQueueService.java
// :346-352, :371-388) rejects every message of the batch. The legacy
// ingestion's transaction fails alike (InjectExecutionService.java:42),
// an exception no handler of RestBehavior takes: 500. Only 2.4.0's types
// are checked: Current's file processor was not read.
func checkFindings(injectID string, o contractOutput, value any) (string, int) {
	typ := findingrow.TypeName(o.Type)
	for i, f := range findingValues(o.Type, o.Multiple, value) {
		if n := utf8.RuneCountInString(o.Field); n > MaxFindingField {
			return fmt.Sprintf("output field of %d characters: value too long for type character varying(%d) (findings.finding_field, V3_68__Add_Findings): the insert fails and "+txRollsBack,
				n, MaxFindingField), http.StatusConflict
		}
		if outputs24[o.Type] && blank(f) {
			what := "the value"
			if _, ok := value.([]any); ok && o.Multiple {
				what = fmt.Sprintf("item %d", i)
			}
			return fmt.Sprintf("output %s (%s): %s renders as the blank finding value %q, which Finding.value's @NotBlank refuses as the insert is flushed: "+txRollsBack,
				o.Field, o.Type, what, f), http.StatusInternalServerError
		}
		if n := findingrow.Size(injectID, typ, f, o.Field); n > MaxFindingRow {
			return fmt.Sprintf("output %s (%s): a finding of %d bytes makes an index row of %d bytes, over the findings index's row limit of %d bytes: the insert fails and "+txRollsBack,
				o.Field, o.Type, len(f), n, MaxFindingRow), http.StatusBadRequest
		}
	}
	return "", 0
}

// StoresOutput returns why the platform of version v would not store one
// structured output value, as decoded from JSON: ValidateOutput's reason
// (the callback is dropped), or a finding of it rendered blank (the
// batch rolls back: checkFindings); nil when it stores its findings
// (the index row's size aside, which depends on the inject: MaxFindingRow).
func StoresOutput(v Version, outputType string, multiple bool, value any) error {
	if err := ValidateOutput(v, outputType, multiple, value); err != nil {
		return err
	}
	for _, f := range findingValues(outputType, multiple, value) {
		if outputs24[outputType] && blank(f) {
			return fmt.Errorf("a finding renders as the blank value %q, which Finding.value's @NotBlank refuses", f)
		}
	}
	return nil
}
