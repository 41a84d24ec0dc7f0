package openaev

import (
	"fmt"

	"github.com/injectkit/injectkit/internal/findingrow"
)

// Blank findings. OpenAEV 2.4.0's Finding.value is @NotBlank
// (openaev-model …/database/model/Finding.java:55-59, validated by
// Hibernate: spring-boot-starter-validation), and its processors render
// some values blank (findingrow.Value): "", "   ", "\"\"", a list of
// empty strings (joined " "), an object or a list as a text, number or
// port (JsonNode.asText ""), a cve whose id is "", a username object
// whose username is "". Such a finding fails validation as its insert is
// flushed, when the batch's transaction commits: the transaction rolls
// back, and the platform rejects every callback of the batch, this
// inject's and others' (the legacy ingestion answers 500). The profile
// leaves such a value out (a multiple output's item, else the whole
// value), with a WARN naming the output, so that one empty note never
// costs a batch. The Current line's Finding is taken as alike.

// storesFindings are the output types whose value the platform stores as
// findings rendered as findingrow.Value renders them: asset,
// expectation_signature and action_output store none; file's rendering
// (Current line) was not read.
var storesFindings = map[string]bool{"text": true, "number": true, "port": true, "ipv4": true, "ipv6": true,
	"cve": true, "portscan": true, "credentials": true, "username": true, "share": true, "admin_username": true,
	"group": true, "computer": true, "password_policy": true, "delegation": true, "sid": true, "vulnerability": true,
	"account_with_password_not_required": true, "asreproastable_account": true, "kerberoastable_account": true}

// blankFinding returns the misfit of x (item i of field; -1: the whole
// value), a finding of output type typ decoded by decodeGeneric, when the
// platform renders it blank: nothing left once Java's String.trim (which
// Hibernate's NotBlankValidator applies) strips every char up to U+0020.
func blankFinding(field string, i int, typ string, x any) (misfit, bool) {
	if !storesFindings[typ] {
		return misfit{}, false
	}
	s := findingrow.Value(typ, x)
	if !javaBlank(s) {
		return misfit{}, false
	}
	return misfit{field: field, item: i, value: short(x), blank: true,
		reason: fmt.Sprintf("the platform stores it as the blank finding value %q, which Finding.value's @NotBlank refuses", s)}, true
}
