package openaev_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
)

// What the tests' HTTP transports (a client's http.RoundTripper standing
// between the profile and the stand-in) share: reading a request's body,
// telling a "complete" callback, and answering in the platform's place.

// peekBody returns the body of r, a request a test's transport is given,
// and puts back a reader of the same bytes, so that r can still be sent.
// A request without a body has none (nil).
func peekBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// isComplete reports whether r is a "complete" callback, its body put
// back (peekBody) so that r can still be sent.
func isComplete(r *http.Request) (bool, error) {
	b, err := peekBody(r)
	return bytes.Contains(b, []byte(`"execution_action":"complete"`)), err
}

// answer is the platform's answer to r, in its place: status, with the
// JSON body given.
func answer(r *http.Request, status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: r}
}

// answerLost is the error of r sent on a connection whose answer was lost:
// the transport tells r's trace it got a connection, as a real one does,
// since the poster counts only such an attempt as unanswered (not
// refused).
func answerLost(r *http.Request) error {
	if trace := httptrace.ContextClientTrace(r.Context()); trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{})
	}
	return errors.New("connection reset by peer (the answer lost)")
}
