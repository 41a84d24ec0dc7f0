package openaev_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
)

// A registration whose context ends while it waits to retry after the
// platform's answer (a 503 asking for a Retry-After longer than serve's
// 30 s limit of a registration) returns the *httpx.InterruptedError that
// holds that answer, ended during a wait, whether the version read before
// it or the registration itself was waiting: serve names the answer
// (its /healthz "status 503 (its retry was due after the registration's
// limit of 30s)") rather than "no answer within 30s", which sends an
// operator after a platform that hangs. The version read returned ctx's
// bare error, its answer lost.
func TestRegistrationCutWhileWaitingKeepsTheAnswer(t *testing.T) {
	for _, tt := range []struct {
		name    string
		options []openaev.Option
		op      string
	}{
		{"the version read waiting", nil, "version"},
		{"the registration waiting", []openaev.Option{openaev.WithPlatformVersion(openaev.PlatformVersion{Current: true})}, "registration"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Retry-After", "3600")
				http.Error(w, `{"message":"maintenance"}`, http.StatusServiceUnavailable)
			}))
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The context ends as the client says it waits to retry: its
			// wait, not an attempt, is cut.
			log := zap.New(zapcore.RegisterHooks(testCore(), func(e zapcore.Entry) error {
				if e.Message == "request failed, retrying" {
					cancel()
				}
				return nil
			}))
			c, err := openaev.NewClient(openaev.Config{URL: srv.URL, Token: testToken, InjectorID: testInjectorID},
				append([]openaev.Option{openaev.WithLogger(log), openaev.WithRetry(4, time.Millisecond)}, tt.options...)...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Register(ctx, testManifests(), false)
			var ie *httpx.InterruptedError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T), want an *httpx.InterruptedError", err, err)
			}
			if !ie.Waiting || ie.Last == nil || ie.Last.Status != http.StatusServiceUnavailable {
				t.Errorf("interrupted %+v, want one ended while waiting, after the %s's 503", ie, tt.op)
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v is not the context's end", err)
			}
		})
	}
}

// testCore is a core that takes every entry and keeps none.
func testCore() zapcore.Core {
	return zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.DebugLevel)
}
