package cli

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/injectkit/injectkit/openaev"
)

// terminalNotFound reports whether err is the platform's 404 on a
// terminal callback of the openaev profile (its "complete" or "data"
// bodies), not one the profile took for a refused token (before 2.0.0).
func terminalNotFound(err error) bool {
	var ae *openaev.APIError
	var refused *openaev.AuthorizationError
	return !errors.As(err, &refused) && errors.As(err, &ae) && ae.Status == http.StatusNotFound && (ae.Op == "complete" || ae.Op == "data")
}

// notFoundHint is the hint of an outbox command (flush, retry-dead) whose
// terminal callback body the backend answered 404 (err), others of its
// bodies it took in the same command (delivered). On OpenAEV 2.0.0 and
// later a 404 on an inject's callback is an inject the platform does not
// hold (InjectApi.injectExecutionCallback's @AccessControl:
// PermissionService.hasPermission looks the inject up, InjectService.inject
// throws ElementNotFoundException, which RestBehavior answers 404 with
// {"message":"Element not found: …"}). That body is the platform's word:
// the inject was deleted since the run, or the body was moved (outbox
// move) to a platform that never held it. Another 404 (a wrong route, a
// proxy's) says the URL first, unless the backend took other bodies of
// the command, which says it is the platform's: the deleted inject first.
// The callback profile's 404 saying the backend does not hold the inject
// gets notHeldStoredHint; urlHint alone for any other 404.
func (e *outboxEnv) notFoundHint(err error, delivered int) string {
	if h := notHeldStoredHint(err); h != "" {
		return h
	}
	var ae *openaev.APIError
	if !terminalNotFound(err) || !errors.As(err, &ae) {
		return e.urlHint(err)
	}
	const resend = ": a resend gets 404 again; once the inject is seen gone on the platform, remove the body with outbox drop <id> (outbox list shows its id)"
	if elementNotFound(ae) {
		return "the platform at this URL answers that it does not hold the inject (404, Element not found): it was deleted on the platform since the run " +
			"(OpenAEV 2.0.0 and later), or, for a body moved here with outbox move, this is not the platform the inject is on" + resend
	}
	u := e.urlHint(err)
	if delivered > 0 {
		return joinHints(fmt.Sprintf("this backend took %d other %s of this command, so its 404 most likely says the inject no longer exists on the platform "+
			"(OpenAEV 2.0.0 and later: deleted since the run)", delivered, plural(delivered, "body", "bodies"))+resend, u)
	}
	return joinHints(u, "or the inject no longer exists on the platform (OpenAEV 2.0.0 and later: deleted since the run)"+resend)
}
