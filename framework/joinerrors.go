package framework

import (
	"fmt"
	"strings"
)

// MaxListedErrors is the most errors JoinErrors names.
const MaxListedErrors = 10

// JoinErrors makes an ErrorInfo's Message of the errors of the targets
// that did not succeed: the first MaxListedErrors of them joined with
// "; ", then how many more there are and the Findings key that lists
// them all ("…; and 2 more (results lists every error)"), so that the
// message the platform shows stays short whatever the number of targets.
// No errors make "".
func JoinErrors(errs []string, findingsKey string) string {
	if len(errs) <= MaxListedErrors {
		return strings.Join(errs, "; ")
	}
	return fmt.Sprintf("%s; and %d more (%s lists every error)",
		strings.Join(errs[:MaxListedErrors], "; "), len(errs)-MaxListedErrors, findingsKey)
}
