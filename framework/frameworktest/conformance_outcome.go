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

// checkNotFailedByCtx reports a run that returned StatusFailed once its
// context was done (ctxErr: its deadline passed, or cancelled, as Ctrl-C
// does, while it ran): the runtime marks a run cut short as a timeout
// unless it failed, so the platform got ERROR, not TIMEOUT, and the
// partial results, kept only for a timeout, were lost. A newcomer's HTTP
// probe failing on its requests' "context deadline exceeded" passed
// Conformance (tester t195). The message is not quoted: it may hold a
// setting's value.
func checkNotFailedByCtx(t testing.TB, r result, ctxErr error, when string, partial int) {
	t.Helper()
	if r.panic != nil || ctxErr == nil || r.out.Status != framework.StatusFailed {
		return
	}
	t.Errorf("Execute returned StatusFailed %s (ctx.Err(): %v): the runtime reports such a run failed (OpenAEV ERROR), not timed out, "+
		"and drops its partial results (%d reported); the errors the cancellation causes (context deadline exceeded, signal: killed) are no "+
		"failure of the tool: ask ctx.Err() before returning StatusFailed, and when it is set return what you have with another status: "+
		"the runtime marks the run as timed out and keeps its partial results", when, ctxErr, partial)
}
