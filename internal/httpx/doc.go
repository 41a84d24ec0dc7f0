// Package httpx is the one HTTP stack of injectkit's clients: the backend
// callback client (transport), the OpenAEV platform client (openaev) and
// the exposure-query providers (injectors/query) build their HTTP clients,
// send their requests and report their failures through it, so that they
// cannot drift apart.
//
// It owns:
//
//   - NewClient: an *http.Client from TLS options (a CA file added to the
//     system roots, verification off only when asked and then with a WARN
//     line), the proxy from the environment (a 407 to the CONNECT of an
//     https server reported as a 407, see ProxyConnectError, not as
//     net/http's bare reason phrase), TLS 1.2 at least, and no
//     redirect followed (a POST carrying a token is never replayed
//     elsewhere; a 3xx is reported with where it pointed, see Redirect);
//   - CAPool: the one reading and check of a CA file (ca_file,
//     broker_ca_file), the pool every client trusting one uses, and the
//     one text of a bad file (FileCause);
//   - Poster: one request with retries: a number of attempts, a backoff
//     (1 s doubling by default), a Retry-After header on a 429 or 503
//     honoured up to a cap (one asking for no wait, 0 or a date not
//     after now, waits the backoff step; with WithLongWaitEnds, one asking
//     more than the cap ends the attempts instead, for a caller that keeps
//     the request for later; one whose wait reaches the deadline of the
//     request's context ends them too, a LateRetryError naming the wait
//     asked, rather than a sleep into that deadline), a least wait between attempts (MinWait), a
//     Retryable(status, op) predicate, a 2xx reply bounded (MaxReply) and
//     kept whole or read as it arrives (Request.Decode), and the redaction
//     of secrets from everything kept or logged;
//   - HTTPError, the one error of a request that failed, matched with
//     errors.Is against ErrPermanent (the server refused in a way it will
//     repeat) or ErrRetriesExhausted (every attempt failed with something
//     worth retrying);
//   - ParseBaseURL (what a backend or platform base URL may be),
//     ParseRetryAfter, StripCredentials and Redact, which exist nowhere
//     else.
//
// # Logging
//
// A Poster logs each retry at WARN (op, attempt and attempts, http_status, wait, without a
// status the error, and, when a Retry-After header asked for another wait
// than the one made, retry_after: "asked 3600s, waiting 30s") and never the final failure: it returns it, and the
// caller decides who reports it, once.
//
// # Secrets
//
// Poster.Secrets (a bearer token, an API key) are replaced by [REDACTED] in
// every form Redact knows (raw, JSON-escaped, URL-encoded, and each of those
// escaped once more; with any of its characters \u-escaped, as Java's Gson
// writes "=" and "'", the backslash doubled by quoting; with any of them
// written as an HTML or XML character reference, &#38; &#x26; &amp;; in
// base64 inside
// the base64 of a longer text, and in the hex and base64 of its UTF-16
// bytes, for secrets of 8 bytes or more) in error
// bodies, error texts and log lines, and so are the credentials of the
// proxy a Poster's client sends a request through (the user information
// of HTTPS_PROXY or HTTP_PROXY), which a proxy's own error answer may
// quote. The URL of a request appears in errors
// only as Request.Shown, by default the URL without its user information.
package httpx
