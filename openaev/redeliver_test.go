package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
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

// earlyReception answers the second reception of an inject itself, as the
// platform answered it while the first run was still going: it does not
// reach the stand-in, which would reopen the inject the first run has
// completed since.
type earlyReception struct{ n atomic.Int32 }

func (e *earlyReception) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/execution/reception/") && e.n.Add(1) == 2 {
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"inject_status":{"status_name":"PENDING"}}`)), Request: r}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestDuplicateRunSignaturesReachThePlatform runs an inject twice (its
// message redelivered while the first run went on): the run that finishes
// second finds the inject finished, and its "complete" is not sent,
// whether at its own delivery or when a flush resends it from the
// outbox. Both paths report the second run alike: the signatures its
// "complete" carried reach the platform as a "data" callback, beside the
// first run's, and the inject is completed once.
func TestDuplicateRunSignaturesReachThePlatform(t *testing.T) {
	const id = "i-dup"
	tests := []struct {
		name string
		// flush: the first run's complete is kept in the outbox, the
		// second run completes the inject, then a flush resends the
		// first's; otherwise the first run completes it and the second,
		// redelivered, finds it finished at its own delivery.
		flush bool
	}{
		{"complete skipped at the run's delivery", false},
		{"stored complete skipped at a flush", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", outbox: true,
				httpClient: &http.Client{Transport: &earlyReception{}}})
			s.register(t)
			ctx := context.Background()
			msg := nmapAssetsMessage(t, s.env, id, 3)
			if tt.flush {
				s.platform.FailComplete(id, http.StatusServiceUnavailable, 1<<30)
				_ = s.proc.Process(ctx, msg) // kept in the outbox
				s.platform.FailComplete(id, 0, 0)
			}
			if err := s.proc.Process(ctx, msg); err != nil {
				t.Fatal(err)
			}
			one := stored(s.platform, id) // the signatures of the run that completed the inject
			if len(one) == 0 {
				t.Fatal("the run that completed the inject sent no signatures")
			}
			if tt.flush {
				rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns,
					Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
				if _, err := rs.Flush(ctx); err != nil {
					t.Fatal(err)
				}
			} else if err := s.proc.Process(openaev.Redelivered(ctx), msg); err != nil {
				t.Fatal(err)
			}
			if got, want := stored(s.platform, id), sortedUnion(one, one); !slices.Equal(got, want) {
				t.Errorf("the platform holds %d signatures, want %d: both runs'\nmissing: %v", len(got), len(want), missing(want, got))
			}
			if n := len(s.platform.Completions(id)); n != 1 {
				t.Errorf("the inject was completed %d times, want once", n)
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v, want empty", got)
			}
		})
	}
}
