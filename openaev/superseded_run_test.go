package openaev_test

import (
	"context"
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
