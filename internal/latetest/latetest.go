// Package latetest holds the scaffolding the tests of a late Retry-After
// share (internal/httpx's Poster, transport's client, openaev's client): a
// loopback backend answering every request with one status, the body
// "busy" and a Retry-After (Busy), a synctest bubble holding an HTTP
// client whose connections end in it (InBubble), and the table of a
// request whose deadline may leave no room for the wait its backend asks
// (Case, Late.Run).
//
// It imports nothing of injectkit but the recording backend, and takes
// the client to use from its caller, so that internal/httpx's own tests
// may use it without an import cycle.
package latetest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// Body is what a Busy backend answers.
const Body = "busy"

// Busy starts a loopback backend, closed with t, answering every request
// status, Body and the header Retry-After: retryAfter.
func Busy(t testing.TB, status int, retryAfter string) *recorder.Backend {
	t.Helper()
	be := recorder.NewScripted(t)
	be.SetReply(recorder.Reply{Status: status, Body: Body, Header: http.Header{"Retry-After": {retryAfter}}})
	return be
}

// InBubble runs f in a synctest bubble with the client newClient makes
// there, and closes that client's idle connections when f returns, so
// that its connections' goroutines end in the bubble. synctest's clock
// does not move while a request is out to the real server: the time left
// before a deadline is exact.
func InBubble(t *testing.T, newClient func() *http.Client, f func(t *testing.T, hc *http.Client)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		hc := newClient()
		defer hc.CloseIdleConnections()
		f(t, hc)
	})
}

// Case is one request to a Busy backend of a Late table.
type Case struct {
	Name       string
	Status     int
	RetryAfter string
	Deadline   time.Duration // of the request's ctx
	Attempts   int           // the client's
	Want       string        // the whole error
}

// Late is the table test of a client whose request gets a Retry-After
// asking for a wait: its error must be of the client's error type and
// retries exhausted, be Want whole, and say the wait asked once at the
// most.
type Late struct {
	// NewClient makes the HTTP client the request goes through.
	NewClient func() *http.Client
	// Do makes the request to url through hc, attempts at the most.
	Do func(ctx context.Context, url string, hc *http.Client, attempts int) error
	// As points to a variable of the client's error type, which the
	// error must have (errors.As); Exhausted is the client's sentinel
	// of retries exhausted, which it must be (errors.Is).
	As        any
	Exhausted error
}

// Run runs each case in a subtest, its request in a bubble.
func (l Late) Run(t *testing.T, cases []Case) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			be := Busy(t, tt.Status, tt.RetryAfter)
			InBubble(t, l.NewClient, func(t *testing.T, hc *http.Client) {
				ctx, cancel := context.WithTimeout(context.Background(), tt.Deadline)
				defer cancel()
				err := l.Do(ctx, be.URL, hc, tt.Attempts)
				if !errors.As(err, l.As) || !errors.Is(err, l.Exhausted) {
					t.Fatalf("error %v, want a %T, %v", err, l.As, l.Exhausted)
				}
				if err.Error() != tt.Want {
					t.Errorf("error\n%s\nwant\n%s", err, tt.Want)
				}
				if n := strings.Count(err.Error(), "asked to retry"); n > 1 {
					t.Errorf("the wait asked said %d times: %s", n, err)
				}
			})
		})
	}
}
