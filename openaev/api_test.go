package openaev

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// The exported functions of the package are its production API: each is
// used by production code outside the package, not only by tests, whose
// helpers live in export_test.go (issue 14, point 12). go doc then
// describes what production uses.
func TestExportedFuncsUsedByProduction(t *testing.T) {
	// Exported and used by no production code of this module when this
	// guard came (twenty-fourth session): library API for injectors built
	// outside the module, or test-only names still to review. The list
	// may only shrink.
	testkit.ExportedFuncsUsedOutside(t,
		"AckLost", "ContractOutputType", "CurrentOnlyOutputTypes",
		"Dispatched", "FindingValueRoom", "IsOptIn", "KnownSignatureType",
		"NewHTTPClient", "OutputTypes", "PlatformSignatureType",
		"PlatformTypes", "Redelivered", "SecurityPlatformTypes",
		"SelectInjectors", "SignatureTypes", "StructuredOutput",
		"WithTimeout")
}
