package httpx

import (
	"context"
	"io"
	"net/http"

	"go.uber.org/zap"
)

// Request is one request a Poster sends.
type Request struct {
	// Op names the request in log lines and errors.
	Op string
	// Method defaults to POST.
	Method string
	// URL is where the request goes.
	URL string
	// Shown is the URL as log lines and errors show it (default: URL as
	// StripCredentials shows it, without its user information, its query
	// values and fragment REDACTED). A caller whose query holds what the
	// reader needs (the query injector's search) passes StripCredentials
	// of URL with those parameters shown.
	Shown string
	// Header is sent as is on every attempt.
	Header http.Header
	// Body is sent on every attempt; nil sends none.
	Body []byte
	// Fields are added to each retry's log line.
	Fields []zap.Field
	// Before, when set, is called before each attempt (n is 1 for the
	// first; unanswered counts the attempts before it that got no
	// answer, as Reply.Unanswered: the server may hold the request that
	// many times): an error it returns ends Do without that attempt and
	// is returned as is, unless ctx ended (see Do). A caller whose request
	// may have become pointless while it waited (another process did the
	// same, an attempt that got no answer was taken) checks that here.
	Before func(ctx context.Context, n, unanswered int) error
	// Retrying, when set, is called with an attempt's failure when
	// another attempt follows it, before the wait, as the WARN "request
	// failed, retrying" is logged: what a caller waiting on the retries
	// may show meanwhile (serve's /healthz).
	Retrying func(err *HTTPError)
	// Rewrite, when set, is called after Before, before each attempt, with
	// its n and unanswered and the body the attempt would send: the body
	// it returns is sent by this attempt and the next ones. An error it
	// returns ends Do as Before's does. A caller whose body may have
	// become wrong while it waited (the backend took part of it already)
	// rebuilds it here.
	Rewrite func(ctx context.Context, n, unanswered int, body []byte) ([]byte, error)
	// Unanswered, when set, is called when attempt n got no answer once
	// sent (a connection cut, a timeout, ctx ending it in flight once it
	// connected): the server may have taken it.
	Unanswered func(n int)
	// StatusOnly says the caller needs only the status: a 2xx answer
	// settles the request even when its body cannot be read (cut short,
	// or over MaxReply), and the Reply has no Body. A callback the backend
	// accepted is never sent again for a reply nobody reads. With Decode
	// set, the body is handed to Decode all the same, limited to
	// MaxReply, but neither Decode's error nor the body's changes the
	// outcome: the caller learns from what Decode kept whether it read it.
	StatusOnly bool
	// Decode, when set, reads the body of a 2xx answer as it arrives, in
	// place of the Poster keeping it whole: a caller decoding a large
	// answer holds what it decodes, never the body. It is called with the
	// status and the body, limited to MaxReply; the Reply then has no
	// Body. A body that goes on past MaxReply fails the request as a
	// longer body does without Decode, and one that cannot be read (cut
	// short, a timeout) as an unreadable reply does, retried alike:
	// Decode is then called again for the next answer, and starts afresh.
	// Any other error Decode returns ends Do and is returned as it is.
	Decode func(status int, body io.Reader) error
}

// shown returns the URL as errors show it: Shown, else URL without its
// credentials, worked out only for an error (most requests need none).
func (r *Request) shown() string {
	if r.Shown != "" {
		return r.Shown
	}
	return StripCredentials(r.URL)
}
