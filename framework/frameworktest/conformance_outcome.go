package frameworktest

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// checkSuccessMessage reports a success carrying an ErrorInfo.Message:
// no profile sends a successful run's message (the openaev one says
// "succeeded", the default one has none), so an error an executor met,
// its status left at success, is lost. The message itself is not quoted:
// it may hold a setting's value.
func checkSuccessMessage(t testing.TB, out framework.ToolOutput) {
	t.Helper()
	if out.Status != "" && out.Status != framework.StatusSuccess {
		return
	}
	if out.ErrorInfo == nil || strings.TrimSpace(out.ErrorInfo.Message) == "" {
		return
	}
	t.Errorf("Execute returned a success with an ErrorInfo.Message: a successful run's ErrorInfo.Message reaches no platform " +
		"(the openaev profile's message says \"succeeded\", the default profile sends none): return StatusPartial when part of " +
		"the work failed, StatusFailed when all of it did, or leave the message out")
}
