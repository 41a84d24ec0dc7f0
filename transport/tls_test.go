package transport

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
	"github.com/injectkit/injectkit/internal/testkit"
)

func TestTLSVerifiedByDefault(t *testing.T) {
	srv, hits := httpxtest.TLSServer(t)
	c, err := New(srv.URL, WithRetry(4, time.Hour)) // a retry would hang the test
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), "inj", "post", payloadOf(1))
	var te *TransmissionError
	if !errors.As(err, &te) || te.Attempts != 1 || te.Err == nil {
		t.Fatalf("error = %v, want a *TransmissionError after 1 attempt", err)
	}
	// Not retried now, but worth a later try once the CA is configured.
	if errors.Is(err, ErrPermanent) || errors.Is(err, ErrRetriesExhausted) {
		t.Errorf("permanent = %v, exhausted = %v; want neither", errors.Is(err, ErrPermanent), errors.Is(err, ErrRetriesExhausted))
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests reached the handler", hits.Load())
	}
}

// A server the client trusts, by a CA file, by a client of the caller's or
// by turning verification off (which warns once, without the token),
// receives the body; a secure client warns of nothing.
func TestTLSTrusted(t *testing.T) {
	tests := []struct {
		name  string
		opts  func(t *testing.T, srv *httptest.Server) []Option
		warns int // "verification disabled" warnings
	}{
		{"ca file", func(t *testing.T, srv *httptest.Server) []Option {
			return []Option{WithCAFile(httpxtest.CAFile(t, srv))}
		}, 0},
		{"http client", func(_ *testing.T, srv *httptest.Server) []Option {
			return []Option{WithHTTPClient(srv.Client())}
		}, 0},
		{"insecure", func(*testing.T, *httptest.Server) []Option {
			return []Option{WithInsecure(true), WithToken("never-log-me")}
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := httpxtest.TLSServer(t)
			log, logs := testkit.Logger()
			c, err := New(srv.URL, append(tt.opts(t, srv), WithLogger(log))...)
			if err != nil {
				t.Fatal(err)
			}
			warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("verification disabled")
			if warns.Len() != tt.warns {
				t.Errorf("%d insecure warnings, want %d", warns.Len(), tt.warns)
			}
			if _, err := c.Send(context.Background(), "inj", "post", payloadOf(1)); err != nil {
				t.Fatal(err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests, want 1", hits.Load())
			}
		})
	}
	srv, _ := httpxtest.TLSServer(t)
	log, logs := testkit.Logger()
	if _, err := New(srv.URL, WithInsecure(false), WithLogger(log)); err != nil {
		t.Fatal(err)
	}
	if logs.Len() != 0 {
		t.Errorf("secure client logged %d lines", logs.Len())
	}
}
