package cli

import (
	"fmt"
	"net/http"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A body the backend refused for good (a 4xx other than 401, 403, 407,
// 408, 409 and 429: httpx.PermanentStatus) goes to the dead list, where
// retry-dead sends it again as it is: the backend that refused it gives
// the same answer until something changed on its side. The commands that
// leave such a body (run, outbox flush, retry-dead) say what the backend
// answered (its status and the start of its body, redacted) and, unless
// a hint of its own covers the status (404: the URL or an inject gone;
// 405 to the callback profile's route; 413: a proxy's limit), what can
// fix it (refusedHint). An OpenAEV platform (2.4.0, RestBehavior) answers
// 400 for a field it refuses (MethodArgumentNotValidException, its
// errors.children naming the field; IllegalArgumentException) and 422 for
// content it cannot process (UnprocessableContentException); another
// status comes from something else on the way (a proxy, another server).

// answerShown is how much of a refusal's body the line shows: the start,
// enough for a platform's message naming a field.
const answerShown = 200

// refusal returns the backend's answer that refused a body for good,
// found anywhere in err's tree (a run's error joins the failures of its
// bodies: one may be a 503 kept pending, another a 400); nil when there
// is none.
func refusal(err error) *httpx.HTTPError {
	var found *httpx.HTTPError
	var walk func(error) bool
	walk = func(err error) bool {
		if err == nil {
			return false
		}
		if he, ok := err.(*httpx.HTTPError); ok && he.Permanent() {
			found = he
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if walk(e) {
					return true
				}
			}
		case interface{ Unwrap() error }:
			return walk(u.Unwrap())
		}
		return false
	}
	walk(err)
	return found
}

// refusedAnswer says what the backend answered a body it refused for
// good (err), for the line that counts it: `status 410: "{…}"`, the start
// of the body (answerShown bytes, whole characters) redacted by red; ""
// when err holds no such answer.
func refusedAnswer(err error, red func(string) string) string {
	he := refusal(err)
	if he == nil {
		return ""
	}
	if httpx.IsWithheld(he.Body) {
		return fmt.Sprintf("status %d: %s", he.Status, he.Body) // our note, not the backend's words
	}
	body := he.Body
	if red != nil {
		body = red(body)
	}
	body = cutLine(body, answerShown)
	if body == "" {
		return fmt.Sprintf("status %d", he.Status)
	}
	return fmt.Sprintf("status %d: %q", he.Status, body)
}

// refusedHint says what can fix a body the backend refused for good
// (err) when no other hint covers its status: sent again as it is, the
// body gets the same answer, so retry-dead is for once the backend
// changed, outbox move for another backend, and a new run for input at
// fault. "" for an error holding no such refusal, or one whose status
// has a hint of its own (404, 413; a run's routeHint, for the callback
// profile's 405, is its caller's to leave out). id names the body for
// outbox drop ("<id>" when outbox list is to show it).
func refusedHint(err error, id string) string {
	he := refusal(err)
	if he == nil || he.Status == http.StatusNotFound || he.Status == http.StatusRequestEntityTooLarge {
		return ""
	}
	return fmt.Sprintf("the backend refused the body as it is (%d) and will refuse it again: retry-dead it only once the backend changed "+
		"(the inject relaunched, the platform upgraded), or outbox move it to a backend that takes it; if the run's own input is at fault "+
		"(an OpenAEV platform answers 400 naming a field it refuses, 422 for content it cannot process), run the inject again with it fixed, "+
		"then remove the dead body with outbox drop %s", he.Status, id)
}

// firstOf says, after the answer of the first of n bodies refused, that
// it was the first's ("" for one body): the others' answers are in
// outbox list.
func firstOf(n int) string {
	if n <= 1 {
		return ""
	}
	return " (the first's)"
}
