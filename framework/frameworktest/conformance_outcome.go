package frameworktest

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// checkErrorInfo reports an ErrorInfo its Status contradicts, which the
// runtime takes without a word and no platform sees: a success carrying
// an ErrorInfo.Message (no profile sends a successful run's message: the
// openaev one says "succeeded", the default one has none, so an error an
// executor met, its status left at success, is lost); a CrashTimestamp
// on a run that did not fail (read only on a failed run, as its
// signatures' end time); a failure with no message (the platform shows
// "NAME on N targets: failed" and nothing else); a partial run with no
// message (the platform shows "NAME on N targets: partially succeeded",
// its status SUCCESS with the openaev profile, and nothing says what
// failed). The message itself is not quoted: it may hold a setting's
// value.
func checkErrorInfo(t testing.TB, out framework.ToolOutput) {
	t.Helper()
	status := out.ExecutionStatus()
	info := out.ErrorInfo
	if info == nil {
		info = &framework.ErrorInfo{}
	}
	message := strings.TrimSpace(info.Message) != ""
	switch {
	case status == framework.StatusSuccess && message:
		t.Errorf("Execute returned a success with an ErrorInfo.Message: a successful run's ErrorInfo.Message reaches no platform " +
			"(the openaev profile's message says \"succeeded\", the default profile sends none): return StatusPartial when part of " +
			"the work failed, StatusFailed when all of it did, or leave the message out")
	case status == framework.StatusFailed && !message:
		t.Errorf("Execute returned StatusFailed with no ErrorInfo.Message: the platform shows the run as \"failed\" and nothing else; " +
			"say why in ErrorInfo.Message (framework.JoinErrors joins the targets' errors)")
	case status == framework.StatusPartial && !message:
		t.Errorf("Execute returned StatusPartial with no ErrorInfo.Message: the platform shows the run as \"partially succeeded\" " +
			"(the openaev profile's status is SUCCESS) and nothing says what failed; say which targets or steps failed, and why, in " +
			"ErrorInfo.Message (framework.JoinErrors joins the targets' errors)")
	}
	if info.CrashTimestamp != "" && status != framework.StatusFailed {
		t.Errorf("Execute returned status %s with an ErrorInfo.CrashTimestamp: the runtime reads it only on a failed run "+
			"(its signatures' end time), and drops it on any other: set Status to StatusFailed, or leave it out", status)
	}
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
