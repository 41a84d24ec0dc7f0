package cli

import (
	"errors"
	"net/http"

	"github.com/injectkit/injectkit/openaev"
)

// goneHint is the hint of a terminal callback the platform answered 404
// with the openaev profile. The run reached it only once the platform
// had answered, at the same backend URL, the inject's reception (and
// its version and status): the URL is the platform's, and the 404 is the
// platform's for an inject that no longer exists, deleted while it ran
// (OpenAEV 2.0.0 and later, InjectApi.injectExecutionCallback's
// @AccessControl looking the inject up, PermissionService.hasPermission:
// ElementNotFoundException, 404; before 2.0.0 a 404 is a refused token,
// which the outbox keeps pending, not dead).
const goneHint = "the platform received this inject at this backend URL, so its 404 on the terminal callback says the inject no longer exists " +
	"(deleted on the platform while it ran): a resend gets 404 again"

// deliveryURLHint is the hint of a delivery's 404 (err) for the URL of
// the run's backend: goneHint for the openaev profile's terminal callback
// (its "complete" or "data" bodies; not a 404 the profile took for a
// refused token), notHeldHint for the callback profile's 404 saying the
// backend does not hold the inject, urlHint otherwise.
func (c *runConfig) deliveryURLHint(err error) string {
	var ae *openaev.APIError
	var refused *openaev.AuthorizationError
	if c.openAEV() && !errors.As(err, &refused) && errors.As(err, &ae) && ae.Status == http.StatusNotFound && (ae.Op == "complete" || ae.Op == "data") {
		return goneHint
	}
	if h := c.notHeldHint(err); h != "" {
		return h
	}
	return c.urlHint(err)
}
