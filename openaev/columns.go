package openaev

import (
	"fmt"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
)

// MaxOutputField is the most characters of an output's field the
// platform stores as the field of a finding of it: its findings table's
// finding_field is varchar(255) (2.4.0's migration V3_68__Add_Findings),
// set from the declared output's field and checked for nothing but
// @NotBlank, so that a finding of a longer field fails its insert when the
// platform processes the result, and the result's findings and
// signatures are lost with every other result of its batch
// (openaevtest's MaxFindingField). PostgreSQL counts characters.
const MaxOutputField = 255

// MaxDomainField is the most characters of a domain's name and colour
// the platform stores: its domains table's domain_name and domain_color
// are varchar(255) (2.4.0's migration V4_58__Implement_Domains_notion),
// so that a new domain with a longer one fails the registration as it is
// saved (openaevtest's MaxDomainColumn).
const MaxDomainField = 255

// noFindingOutputs are the output types whose processor stores no
// finding (an asset creates an endpoint; a tool's raw output and the
// signatures are kept otherwise), whose field is no finding's.
var noFindingOutputs = map[string]bool{"asset": true, OutputActionOutput: true, OutputExpectationSignature: true}

// validateOutputFields refuses the outputs of m whose findings the
// platform cannot store: a field of more than MaxOutputField characters.
func validateOutputFields(m framework.Manifest) []error {
	var errs []error
	for _, o := range m.Outputs {
		if n := utf8.RuneCountInString(o.Field); n > MaxOutputField && !noFindingOutputs[o.Type] {
			errs = append(errs, &ValidationError{Field: m.Name + ".outputs", Value: o.Field,
				Reason: fmt.Sprintf("field is %d characters, longer than the %d the platform stores of a finding's field "+
					"(findings.finding_field varchar(%d)): every result with a finding of it would be lost", n, MaxOutputField, MaxOutputField)})
		}
	}
	return errs
}
