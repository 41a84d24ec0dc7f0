package cli

import (
	"errors"
	"net/http"
	"strings"

	"github.com/injectkit/injectkit/transport"
)

// The callback profile's 404 for an inject its backend does not hold.
//
// The callback profile's route, POST /api/injects/{id}/callback (the
// seed's format, pyoaev's first SignatureManager), is mapped by no OpenAEV
// version: OpenAEV answers it 405. A backend that answers it 404 with
// "Element not found" (the body OpenAEV's RestBehavior writes for an
// ElementNotFoundException, which a handler throws once it has looked up
// the inject its route named) did route the request to its handler: the
// URL is right, the inject id one it does not hold, and the same body is
// answered 404 again whatever the number of sends. A wrong URL reaches no
// handler: a 404 without that body (Spring Boot's {"status":404,"error":
// "Not Found","path":…}, a proxy's page, Go's "404 page not found") keeps
// the hints on the URL and the route (urlHint, routeHint).

// callbackNotHeld reports whether err is the callback profile's 404 whose
// body says the backend does not hold the inject (Element not found).
func callbackNotHeld(err error) bool {
	var te *transport.TransmissionError
	return errors.As(err, &te) && te.Status == http.StatusNotFound && notHeldBody(te.Body)
}

// notHeldBody reports whether a 404's body is OpenAEV's for an element it
// does not hold (RestBehavior's handleElementNotFoundException,
// {"message":"Element not found: …"}), which no route of the platform, and
// no proxy, answers for a wrong URL.
func notHeldBody(body string) bool { return strings.Contains(body, "Element not found") }

// notHeldWhy is what such a 404 says, the first part of every hint of it.
const notHeldWhy = "the backend at this URL answers that it does not hold the inject (404, Element not found): " +
	"its callback route looked the inject up, so the URL is right (a wrong URL gets no such answer)"

// notHeldHint is the hint of a run whose callback the backend answered
// 404 Element not found (callbackNotHeld): the inject id, named where it
// was given, is one the backend does not hold; "" for any other error.
func (c *runConfig) notHeldHint(err error) string {
	if !callbackNotHeld(err) {
		return ""
	}
	given := "the inject file's \"inject_id\""
	if src := c.source("inject_id"); src.given() {
		given = src.named()
	}
	return notHeldWhy + ": check the inject id given by " + given + ": the backend holds no inject of that id (never created there, or deleted since)"
}

// notHeldKeptHint follows notHeldHint when the run kept bodies in the dead
// list (dead): retry-dead would get the same 404; "" otherwise.
func notHeldKeptHint(err error, dead int) string {
	if dead == 0 || !callbackNotHeld(err) {
		return ""
	}
	return "the " + plural(dead, "body", "bodies") + " kept in the dead list would be answered 404 again by retry-dead: " +
		"once the inject ran under an id the backend holds, remove " + plural(dead, "it", "them") + " with outbox drop <id>"
}

// notHeldStoredHint is the hint of an outbox command (flush, retry-dead)
// whose callback profile body the backend answered 404 Element not found
// (callbackNotHeld), moved to the dead list: the inject is gone from that
// backend, or never was there; "" for any other error.
func notHeldStoredHint(err error) string {
	if !callbackNotHeld(err) {
		return ""
	}
	return notHeldWhy + ": the inject was deleted there since the run, or the run named an id it never held, or, for a body moved here " +
		"with outbox move, this is not the backend the inject is on: a resend gets 404 again; remove the body with outbox drop <id> (outbox list shows its id)"
}
