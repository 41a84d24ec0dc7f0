package openaev_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/openaev"
)

// echoServer answers status with a body that repeats the request's
// Authorization header, counting the requests.
func echoServer(t *testing.T, status int, n *atomic.Int32) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"error":"bad header ` + r.Header.Get("Authorization") + `"}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func TestClientErrorsAndRetries(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		call      func(c *openaev.Client) error
		wantTries int32
		permanent bool
	}{
		{"400 on reception is final", 400, func(c *openaev.Client) error { return c.Reception(context.Background(), "i") }, 1, true},
		{"409 on reception is final", 409, func(c *openaev.Client) error { return c.Reception(context.Background(), "i") }, 1, true},
		{"409 on a trace is final", 409, func(c *openaev.Client) error { return c.Trace(context.Background(), "i", "m") }, 1, true},
		{"409 on complete is retried", 409, func(c *openaev.Client) error {
			return c.Callback(context.Background(), "i", openaev.Execution{Message: "m", Status: "SUCCESS", Action: "complete"})
		}, 3, false},
		{"500 is retried", 500, func(c *openaev.Client) error { return c.Reception(context.Background(), "i") }, 3, false},
		{"429 is retried", 429, func(c *openaev.Client) error { return c.Trace(context.Background(), "i", "m") }, 3, false},
		{"302 is not followed", 302, func(c *openaev.Client) error { return c.Reception(context.Background(), "i") }, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			s := echoServer(t, tt.status, &n)
			core, logs := observer.New(zapcore.DebugLevel)
			c, err := openaev.NewClient(openaev.Config{URL: s.URL, Token: testToken},
				openaev.WithRetry(3, time.Millisecond), openaev.WithLogger(zap.New(core)))
			if err != nil {
				t.Fatal(err)
			}
			err = tt.call(c)
			var ae *openaev.APIError
			if !errors.As(err, &ae) || ae.Status != tt.status {
				t.Fatalf("err = %v, want an APIError with status %d", err, tt.status)
			}
			if n.Load() != tt.wantTries || ae.Attempts != int(tt.wantTries) {
				t.Errorf("%d tries (%d recorded), want %d", n.Load(), ae.Attempts, tt.wantTries)
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
	err = c.Reception(context.Background(), "i")
	var ae *openaev.APIError
	if !errors.As(err, &ae) || ae.Status != 0 || ae.Attempts != 2 || !errors.Is(err, openaev.ErrRetriesExhausted) {
		t.Fatalf("err = %v", err)
	}

	// Cancelling stops at once, during a wait.
	var n atomic.Int32
	busy := echoServer(t, 503, &n)
	c, _ = openaev.NewClient(openaev.Config{URL: busy.URL}, openaev.WithRetry(10, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := c.Reception(ctx, "i"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's error", err)
	}
}

func TestClientRequestValidation(t *testing.T) {
	c, _ := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1"})
	var ve *openaev.ValidationError
	if err := c.Reception(context.Background(), " "); !errors.As(err, &ve) || ve.Field != "inject_id" {
		t.Errorf("blank inject id: %v", err)
	}
	if err := c.Callback(context.Background(), "i", openaev.Execution{Status: "SUCCESS"}); !errors.As(err, &ve) || ve.Field != "execution_message" {
		t.Errorf("blank message: %v", err)
	}
	if err := c.Callback(context.Background(), "i", openaev.Execution{Message: "m"}); !errors.As(err, &ve) || ve.Field != "execution_status" {
		t.Errorf("blank status: %v", err)
	}
}

func TestClientEscapesInjectID(t *testing.T) {
	var path atomic.Value
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.EscapedPath())
	}))
	defer s.Close()
	c, _ := openaev.NewClient(openaev.Config{URL: s.URL + "/prefix/"})
	if err := c.Reception(context.Background(), "a/b?c"); err != nil {
		t.Fatal(err)
	}
	if got := path.Load(); got != "/prefix/api/injects/execution/reception/a%2Fb%3Fc" {
		t.Errorf("path = %v", got)
	}
}
