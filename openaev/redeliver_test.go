package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// twinTransport answers the first "complete" callback a client sends 503,
// after the twin of its run has completed the inject on the platform
// (twin is called first): the client's retry comes after the twin's
// completion. With cut set, there is no twin: the first "complete" reaches
// the platform, which takes it, and the connection is cut before its
// answer. Every other request goes through.
type twinTransport struct {
	twin  func()
	cut   bool
	fired atomic.Bool
}

func (tt *twinTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/execution/callback/") && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		if strings.Contains(string(b), `"execution_action":"complete"`) && tt.fired.CompareAndSwap(false, true) {
			if tt.cut {
				resp, err := http.DefaultTransport.RoundTrip(r)
				if err == nil {
					resp.Body.Close()
					err = io.ErrUnexpectedEOF
				}
				return nil, err
			}
			tt.twin()
			return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`)),
				Request: r}, nil
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestTerminalCallbackOfATwinAsksBeforeEachAttempt: the run of a message
// that may have a twin (redelivered, or its channel closed before its
// acknowledgement) and every resend ask the platform before each attempt
// of the "complete", and every run asks before a retry, so a twin
// completing the inject while the first attempt failed makes the retry
// unnecessary: nothing more is sent, and the platform completes the inject
// once. So does a first attempt the platform took whose answer was lost.
func TestTerminalCallbackOfATwinAsksBeforeEachAttempt(t *testing.T) {
	const token = "twin-token"
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0}`)
	alive := func() bool { return false }
	tests := []struct {
		name string
		// post sends body as the code under test does; closed reports
		// true once the twin has completed the inject.
		post func(ctx context.Context, prof *openaev.Profile, closed func() bool) error
		// cut: no twin; the first attempt is taken and its answer lost.
		cut bool
	}{
		{"first delivery, channel alive: the retry asks first", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, alive), "i1", 0, body)
		}, false},
		{"first delivery, no channel reported: the retry asks first", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, nil), "i1", 0, body)
		}, false},
		{"answer lost after the platform took the first attempt: not sent again", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, alive), "i1", 0, body)
		}, true},
		{"redelivered: superseded", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			return prof.PostBody(openaev.Redelivered(ctx), "i1", 0, body)
		}, false},
		{"channel closed during the first attempt: superseded", func(ctx context.Context, prof *openaev.Profile, closed func() bool) error {
			return prof.PostBody(openaev.AckLost(ctx, closed), "i1", 0, body)
		}, false},
		{"resend: superseded", func(ctx context.Context, prof *openaev.Profile, _ func() bool) error {
			err := openaev.ResendPoster{Profile: prof}.PostBody(ctx, "i1", 0, body)
			if !errors.Is(err, outbox.ErrSuperseded) {
				return fmt.Errorf("resend: %v, want outbox.ErrSuperseded", err)
			}
			return nil
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, twin := receivedInject(t, token, false)
			var lost atomic.Bool
			tr := &twinTransport{cut: tt.cut, twin: func() {
				if err := twin.Callback(context.Background(), "i1", openaev.Execution{Message: "done by the twin",
					Status: openaev.StatusSuccess, Action: openaev.ActionComplete}); err != nil {
					t.Errorf("twin: %v", err)
				}
				lost.Store(true)
			}}
			c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token}, openaev.WithRetry(2, 0),
				openaev.WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.post(context.Background(), openaev.NewProfile(c, nil, nil), lost.Load); err != nil {
				t.Fatalf("PostBody: %v", err)
			}
			if !tr.fired.Load() {
				t.Fatal("the first attempt was not sent")
			}
			if n := len(p.Completions("i1")); n != 1 {
				t.Errorf("the platform completed the inject %d times, want 1", n)
			}
			if n := p.Reopenings("i1"); n != 0 {
				t.Errorf("%d reopenings, want 0", n)
			}
		})
	}
}
