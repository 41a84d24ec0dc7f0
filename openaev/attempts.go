package openaev

import (
	"context"
	"net/http"
)

// callbackKey marks the context of the requests of an inject's callbacks
// (reception, traces, terminal callback), for CountAttempts.
type callbackKey struct{}

func callbackContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, callbackKey{}, true)
}

// CountAttempts returns a RoundTripper over next (http.DefaultTransport
// when nil) that calls count with the status of every HTTP attempt of an
// inject's callbacks (reception, traces, terminal callback; 0 when no
// response came back) that a Client using it makes: the client marks those
// requests itself, so nothing reads their path or body. Other requests
// (registration, version, asset-group paging) pass uncounted.
func CountAttempts(next http.RoundTripper, count func(status int)) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &attemptCounter{next: next, count: count}
}

type attemptCounter struct {
	next  http.RoundTripper
	count func(status int)
}

func (a *attemptCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if req.Context().Value(callbackKey{}) != nil {
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		a.count(status)
	}
	return resp, err
}
