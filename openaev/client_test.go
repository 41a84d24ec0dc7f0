package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// echoServer answers status with a body that repeats the request's
// Authorization header.
func echoServer(t *testing.T, status int) *transporttest.Backend {
	t.Helper()
	s := transporttest.NewBackend(t)
	s.SetReply(transporttest.Reply{Status: status, Body: `{"error":"bad header %s"}`, Echo: "Authorization"})
	return s
}

func TestClientErrorsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		call      func(c *openaev.Client) error
		wantTries int
		permanent bool
	}{
		{"400 on reception is final", 400, func(c *openaev.Client) error { _, err := c.Reception(context.Background(), "i"); return err }, 1, true},
		// A 409 or a 3xx is not retried now, but it is no refusal for
		// good (the README's 4xx but 408, 409 and 429): a later try may
		// succeed.
		{"409 on reception is not retried, not refused for good", 409, func(c *openaev.Client) error { _, err := c.Reception(context.Background(), "i"); return err }, 1, false},
		{"409 on a trace is not retried, not refused for good", 409, func(c *openaev.Client) error { return c.Trace(context.Background(), "i", "m") }, 1, false},
		{"409 on complete is retried", 409, func(c *openaev.Client) error {
			return c.Callback(context.Background(), "i", openaev.Execution{Message: "m", Status: "SUCCESS", Action: "complete"})
		}, 3, false},
		{"500 is retried", 500, func(c *openaev.Client) error { _, err := c.Reception(context.Background(), "i"); return err }, 3, false},
		{"429 is retried", 429, func(c *openaev.Client) error { return c.Trace(context.Background(), "i", "m") }, 3, false},
		{"302 is not followed, not refused for good", 302, func(c *openaev.Client) error { _, err := c.Reception(context.Background(), "i"); return err }, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := echoServer(t, tt.status)
			log, logs := testkit.Logger()
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken},
				openaev.WithRetry(3, time.Millisecond), openaev.WithLogger(log))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			var ae *openaev.APIError
			if !errors.As(err, &ae) || ae.Status != tt.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, tt.status)
			}
			if s.Len() != tt.wantTries || ae.Attempts != tt.wantTries {
				t.Errorf("%d tries (%d recorded), want %d", s.Len(), ae.Attempts, tt.wantTries)
			}
			if errors.Is(err, openaev.ErrPermanent) != tt.permanent || errors.Is(err, openaev.ErrRetriesExhausted) == tt.permanent {
				t.Errorf("permanent = %v, want %v", errors.Is(err, openaev.ErrPermanent), tt.permanent)
			}
			if strings.Contains(err.Error(), testToken) || !strings.Contains(ae.Body, "[REDACTED]") {
				t.Errorf("token not redacted: %v", err)
			}
			assertNoSecret(t, logs, testToken)
		})
	}
}

func TestClientNetworkErrors(t *testing.T) {
	s := httptest.NewServer(http.NotFoundHandler())
	url := s.URL
	s.Close() // nothing listens any more
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: testToken}, openaev.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Reception(context.Background(), "i")
	var ae *openaev.APIError
	if !errors.As(err, &ae) || ae.Status != 0 || ae.Attempts != 2 || !errors.Is(err, openaev.ErrRetriesExhausted) {
		t.Fatalf("err = %v", err)
	}

	// Cancelling stops at once, during a wait.
	busy := echoServer(t, 503)
	c, _ = openaev.NewClient(openaev.Config{URL: busy.URL}, openaev.WithRetry(10, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Reception(ctx, "i"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's error", err)
	}
}

func TestClientRequestValidation(t *testing.T) {
	c, _ := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1"})
	var ve *openaev.ValidationError
	if _, err := c.Reception(context.Background(), " "); !errors.As(err, &ve) || ve.Field != "inject_id" {
		t.Errorf("blank inject id: %v", err)
	}
}

// TestCallbackRefusesWhatNotBlankRefuses: a message or status the
// platform's @NotBlank refuses (empty once Java's trim has stripped every
// character up to U+0020, control characters included) is refused before
// anything is sent, naming the field; one of U+00A0 or other Unicode
// spaces, which the platform takes, is sent.
func TestCallbackRefusesWhatNotBlankRefuses(t *testing.T) {
	tests := []struct {
		name      string
		e         openaev.Execution
		wantField string // "": sent
	}{
		{"no message", openaev.Execution{Status: "SUCCESS"}, "execution_message"},
		{"no status", openaev.Execution{Message: "m"}, "execution_status"},
		{"message of spaces", openaev.Execution{Message: " \t\n", Status: "INFO"}, "execution_message"},
		{"message of control chars", openaev.Execution{Message: "\x01\x1f", Status: "INFO"}, "execution_message"},
		{"message of U+0000", openaev.Execution{Message: "\x00", Status: "INFO"}, "execution_message"},
		{"status of a control char", openaev.Execution{Message: "m", Status: "\a"}, "execution_status"},
		{"message of U+00A0", openaev.Execution{Message: "\u00a0", Status: "INFO"}, ""},
		{"message of Unicode spaces", openaev.Execution{Message: "\u3000\u2003", Status: "INFO"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := transporttest.NewBackend(t)
			c, _ := openaev.NewClient(openaev.Config{URL: s.URL})
			tt.e.Action = openaev.ActionCommandExecution
			err := c.Callback(context.Background(), "i", tt.e)
			var ve *openaev.ValidationError
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("err = %v, want it sent", err)
			case tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField):
				t.Fatalf("err = %v, want a ValidationError of %s", err, tt.wantField)
			case tt.wantField != "" && len(s.Requests()) != 0:
				t.Fatalf("%d requests sent", len(s.Requests()))
			case tt.wantField == "" && len(s.Requests()) != 1:
				t.Fatalf("%d requests reached the server, want the callback", len(s.Requests()))
			}
		})
	}
}

// TestClientEscapesInjectID: an inject id is escaped into the path; one
// the platform's HTTP firewall would refuse escaped (a '/' as %2F: 2.4.0
// answers 400 before any route) is refused before any request, naming
// inject_id.
func TestClientEscapesInjectID(t *testing.T) {
	s := transporttest.NewBackend(t)
	c, _ := openaev.NewClient(openaev.Config{URL: s.URL + "/prefix/"})
	if _, err := c.Reception(context.Background(), "a b?c#d"); err != nil {
		t.Fatal(err)
	}
	if got := s.Requests()[0].Path; got != "/prefix/api/injects/execution/reception/a%20b%3Fc%23d" {
		t.Errorf("path = %v", got)
	}
	var ve *openaev.ValidationError
	if _, err := c.Reception(context.Background(), "a/b?c"); !errors.As(err, &ve) || ve.Field != "inject_id" || len(s.Requests()) != 1 {
		t.Errorf("err = %v, %d requests, want a ValidationError of inject_id and nothing sent", err, len(s.Requests()))
	}
}

// The platform client honours Retry-After, as the callback client does.
func TestClientHonoursRetryAfter(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			// 1 s, the least a Retry-After asks for: 0 asks for no wait,
			// and the backoff step applies.
			s := transporttest.NewScriptedBackend(t, transporttest.Reply{Status: status, Header: http.Header{"Retry-After": {"1"}}})
			// The backoff alone would wait an hour: only Retry-After lets the
			// retry happen before the deadline.
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), testkit.Hang)
			defer cancel()
			if _, err := c.Reception(ctx, "i"); err != nil || s.Len() != 2 {
				t.Fatalf("Reception = %v after %d requests, want success after 2", err, s.Len())
			}
		})
	}
}

// An *APIError carries the *httpx.HTTPError and the one permanent marker.
func TestAPIErrorUnwrapsToHTTPError(t *testing.T) {
	tests := []struct {
		status               int
		permanent, exhausted bool
	}{
		{http.StatusBadRequest, true, false},
		{http.StatusInternalServerError, false, true},
	}
	for _, tt := range tests {
		s := echoServer(t, tt.status)
		c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken}, openaev.WithRetry(2, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Reception(context.Background(), "i")
		var he *httpx.HTTPError
		if !errors.As(err, &he) || he.Status != tt.status || he.Op != "reception" {
			t.Fatalf("error = %v, want an *httpx.HTTPError with status %d in its chain", err, tt.status)
		}
		if errors.Is(err, httpx.ErrPermanent) != tt.permanent || errors.Is(err, httpx.ErrRetriesExhausted) != tt.exhausted {
			t.Errorf("status %d: httpx permanent %v exhausted %v", tt.status, errors.Is(err, httpx.ErrPermanent),
				errors.Is(err, httpx.ErrRetriesExhausted))
		}
	}
}
