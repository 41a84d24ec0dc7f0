package cli

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A 413 on a callback is, most likely, a proxy's in front of the backend:
// OpenAEV 2.4.0 takes a body up to its multipart limit, 5 GB
// (spring.servlet.multipart.max-request-size), far past the 64 MiB
// --max-payload-size allows. A run splits its bodies to
// --max-payload-size (the callback profile in chunks, the openaev profile
// its signatures in data callbacks), but a body kept in the outbox is
// sent as it was stored: retry-dead resends it whole (outbox list shows its size), into the same 413,
// until the proxy takes it.

// tooLarge reports whether err is a backend's (or its proxy's) 413.
func tooLarge(err error) bool {
	var he *httpx.HTTPError
	return errors.As(err, &he) && he.Status == http.StatusRequestEntityTooLarge
}

// tooLargeHint is the hint of a run whose body was answered 413 (err): a
// lower max_payload_size for the next runs (its value and where it came
// from), or the proxy's limit raised; kept says whether the body is in
// the outbox, which does not split it again. "" for any other error.
func (c *runConfig) tooLargeHint(err error, kept bool) string {
	if !tooLarge(err) {
		return ""
	}
	split := "the next runs split their bodies to a lower --max-payload-size"
	if c.openAEV() {
		split += " (signatures beyond it go in data callbacks; a finding larger than it is left out, named in a WARN)"
	}
	h := fmt.Sprintf("the backend, or a proxy in front of it, refused the body as too large (413; an OpenAEV platform takes up to 5 GB, a proxy's "+
		"limit is likely, as nginx's client_max_body_size): this run's bodies were at most %d bytes, the max_payload_size%s; %s, or raise the proxy's limit",
		c.MaxPayloadSize, c.where("max_payload_size"), split)
	if kept {
		h += "; " + storedWholeHint
	}
	return h
}

// storedWholeHint says what becomes of a body answered 413 that the
// outbox keeps.
const storedWholeHint = "a body kept in the outbox is not split again: retry-dead resends it whole (outbox list shows its size), into the same 413 until the proxy's limit is raised " +
	"(or outbox move it to a backend URL that does not go through that proxy, then retry-dead it there)"

// tooLargeHint is the hint of an outbox command (flush, retry-dead) whose
// body was answered 413 (err); "" for any other error.
func (e *outboxEnv) tooLargeHint(err error) string {
	if !tooLarge(err) {
		return ""
	}
	return "the backend, or a proxy in front of it, refused the body as too large (413; an OpenAEV platform takes up to 5 GB, a proxy's " +
		"limit is likely, as nginx's client_max_body_size): " + storedWholeHint + "; runs split their bodies to --max-payload-size, lower it for the next ones"
}
