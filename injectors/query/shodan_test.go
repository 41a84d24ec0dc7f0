package query

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/httpx/httpxtest"
)

// newShodan returns the Shodan provider of an Executor configured against srv.
func newShodan(t *testing.T, srv *shodantest.Server, settings map[string]string, log *zap.Logger) (*shodan, *recordTimer) {
	t.Helper()
	e, timer := newTestExecutor(t, srv, settings)
	if log == nil {
		log = zap.NewNop()
	}
	p, err := e.provider(ProviderShodan, Name, log)
	if err != nil {
		t.Fatalf("provider: %v", err)
	}
	return p.(*shodan), timer
}

func TestShodanPagination(t *testing.T) {
	tests := []struct {
		name        string
		query       string
		limit       int
		wantMatches int
		wantPages   []string
	}{
		{"one match", "apache", 1, 1, []string{"1"}},
		{"exactly one page", "apache", 100, 100, []string{"1"}},
		{"stops inside page two", "apache", 150, 150, []string{"1", "2"}},
		{"exactly two pages", "apache", 200, 200, []string{"1", "2"}},
		{"all three pages", "apache", 250, 250, []string{"1", "2", "3"}},
		{"limit above total stops at last page", "apache", 1000, 250, []string{"1", "2", "3"}},
		{"short single page", "nginx", 1000, 13, []string{"1"}},
		{"no match", "apache hostname:nothing.example", 100, 0, []string{"1"}},
		{"narrowed to one ip", "apache ip:127.0.0.1", 200, 1, []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			s, _ := newShodan(t, srv, nil, nil)
			res, err := s.Search(context.Background(), tt.query, tt.limit)
			if err != nil {
				t.Fatalf("Search: %v", err)
			}
			if len(res.Matches) != tt.wantMatches {
				t.Errorf("matches = %d, want %d", len(res.Matches), tt.wantMatches)
			}
			var pages []string
			for _, r := range srv.Requests() {
				pages = append(pages, r.Page)
				if r.Query != tt.query {
					t.Errorf("query sent = %q, want %q", r.Query, tt.query)
				}
			}
			if strings.Join(pages, ",") != strings.Join(tt.wantPages, ",") {
				t.Errorf("pages requested = %v, want %v", pages, tt.wantPages)
			}
		})
	}
}

// TestShodanPagesInOrder checks that the pages are concatenated in order:
// the matches equal the fixture pages' matches.
func TestShodanPagesInOrder(t *testing.T) {
	srv := newStandIn(t)
	s, _ := newShodan(t, srv, nil, nil)
	res, err := s.Search(context.Background(), "apache", 250)
	if err != nil {
		t.Fatal(err)
	}
	var want []Match
	for i := 1; i <= 3; i++ {
		p, err := parseSearchPage(200, bytes.NewReader(shodantest.Fixture("apache-page-"+strconv.Itoa(i)+".json")))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, p.Matches...)
	}
	if res.Total != 250 || len(res.Matches) != len(want) {
		t.Fatalf("total %d, %d matches; want 250, %d", res.Total, len(res.Matches), len(want))
	}
	for i := range want {
		if res.Matches[i].IP != want[i].IP || res.Matches[i].Port != want[i].Port {
			t.Fatalf("match %d = %s:%d, want %s:%d", i, res.Matches[i].IP, res.Matches[i].Port, want[i].IP, want[i].Port)
		}
	}
}

func TestShodanErrors(t *testing.T) {
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name      string
		key       string // "" uses testKey
		replies   []shodantest.Reply
		wantIs    error
		wantText  string
		wantTries int
		wantWaits []time.Duration // nil: not checked
	}{
		{name: "wrong key, answered as Shodan does: nginx's HTML 401 page", key: "not-the-key", wantIs: ErrUnauthorized,
			wantText: "invalid or unauthorised API key (HTTP 401): check env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file", wantTries: 1},
		{name: "forbidden", replies: []shodantest.Reply{{Status: 403, Body: shodantest.ErrorBody("Access denied (403 Forbidden)")}},
			wantIs: ErrRefused, wantText: "refused (HTTP 403: Access denied (403 Forbidden))", wantTries: 1},
		{name: "credits spent, as Shodan sends it", replies: []shodantest.Reply{{Status: 401, Body: shodantest.ErrorBody(shodantest.MsgNoCredits)}},
			wantIs: ErrNoQueryCredits, wantText: "query credits exhausted (HTTP 401: Insufficient query credits", wantTries: 1},
		{name: "credits spent on a 403", replies: []shodantest.Reply{{Status: 403, Body: shodantest.ErrorBody("Insufficient query credits")}},
			wantIs: ErrNoQueryCredits, wantText: "query credits exhausted (HTTP 403: Insufficient query credits)", wantTries: 1},
		{name: "credits spent on a 200", replies: []shodantest.Reply{{Status: 200, Body: shodantest.ErrorBody(shodantest.MsgNoCredits)}},
			wantIs: ErrNoQueryCredits, wantText: "query credits exhausted (HTTP 200: Insufficient query credits", wantTries: 1},
		{name: "bad request with Shodan error body", replies: []shodantest.Reply{{Status: 400, Body: shodantest.ErrorBody("Invalid search query")}},
			wantText: "Invalid search query", wantTries: 1},
		{name: "error body on 200", replies: []shodantest.Reply{{Status: 200, Body: shodantest.ErrorBody("No information available for that IP.")}},
			wantText: "No information available for that IP.", wantTries: 1},
		{name: "error body on 202", replies: []shodantest.Reply{{Status: 202, Body: shodantest.ErrorBody("Search in progress")}},
			wantText: "Search in progress (HTTP 202)", wantTries: 1},
		{name: "202 read no further than 4 KiB", replies: []shodantest.Reply{{Status: 202, Body: `{"pad": "` + strings.Repeat("x", 4<<10) + `", "error": "late"}`}},
			wantText: "unexpected HTTP status 202", wantTries: 1},
		{name: "202 whose key, echoed, once redacted leaves its message within 4 KiB",
			replies:  []shodantest.Reply{{Status: 202, Body: `{"pad": "` + strings.Repeat(testKey, 158) + `", "error": "kept"}`}},
			wantText: "kept (HTTP 202)", wantTries: 1},
		{name: "400 whose key, echoed, once redacted leaves its message within 4 KiB",
			replies:  []shodantest.Reply{{Status: 400, Body: `{"pad": "` + strings.Repeat(testKey, 158) + `", "error": "kept"}`}},
			wantText: "kept", wantTries: 1},
		{name: "malformed body", replies: []shodantest.Reply{{Status: 200, Body: `{"matches": [`}},
			wantText: "decode search response", wantTries: 1},
		{name: "not found without body", replies: []shodantest.Reply{{Status: 404, Body: "<html>gone</html>"}},
			wantText: "unexpected HTTP status 404", wantTries: 1},
		{name: "redirect not followed", replies: []shodantest.Reply{{Status: 302, Header: http.Header{"Location": {"http://127.0.0.2/"}}}},
			wantText: "unexpected HTTP status 302", wantTries: 1},
		{name: "429 with Retry-After then success",
			replies:   []shodantest.Reply{{Status: 429, Header: retryAfter("7"), Body: shodantest.ErrorBody("Rate limit reached")}},
			wantTries: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "429 Retry-After capped",
			replies:   []shodantest.Reply{{Status: 429, Header: retryAfter("86400")}},
			wantTries: 2, wantWaits: []time.Duration{maxRetryAfter}},
		{name: "5xx retried then success",
			replies:   []shodantest.Reply{{Status: 502}, {Status: 503, Body: shodantest.ErrorBody("Temporarily unavailable")}},
			wantTries: 3},
		{name: "5xx exhausted",
			replies: []shodantest.Reply{{Status: 500}, {Status: 500}, {Status: 500}, {Status: 503, Body: shodantest.ErrorBody("Search cluster down")}},
			wantIs:  ErrServer, wantText: "Search cluster down", wantTries: 4},
		{name: "501 not retried: the engine does not support the request",
			replies: []shodantest.Reply{{Status: 501, Body: shodantest.ErrorBody("Not Implemented")}},
			wantIs:  ErrServer, wantText: "Not Implemented", wantTries: 1},
		{name: "505 not retried: a proxy refuses the HTTP version",
			replies: []shodantest.Reply{{Status: 505}},
			wantIs:  ErrServer, wantText: "HTTP 505", wantTries: 1},
		{name: "429 exhausted",
			replies: []shodantest.Reply{{Status: 429, Header: retryAfter("1")}, {Status: 429, Header: retryAfter("1")},
				{Status: 429, Header: retryAfter("1")}, {Status: 429, Header: retryAfter("1")}},
			wantIs: ErrRateLimited, wantTries: 4, wantWaits: []time.Duration{time.Second, time.Second, time.Second}},
		{name: "slow answer times out", replies: []shodantest.Reply{{Delay: time.Minute}},
			wantIs: ErrRequestTimeout, wantText: "request timed out", wantTries: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies...)
			timeout := "10s"
			if errors.Is(tt.wantIs, ErrRequestTimeout) {
				timeout = "200ms"
			}
			s, timer := newShodan(t, srv, map[string]string{SettingRequestTimeout: timeout}, nil)
			if tt.key != "" {
				s.key = tt.key
			}
			res, err := s.Search(context.Background(), "nginx", 100)
			tries := len(srv.Requests())
			if tries != tt.wantTries {
				t.Errorf("requests = %d, want %d", tries, tt.wantTries)
			}
			if tt.wantWaits != nil {
				if got := timer.Waits(); !slices.Equal(got, tt.wantWaits) {
					t.Errorf("retry waits = %v, want %v", got, tt.wantWaits)
				}
			}
			if tt.wantIs == nil && tt.wantText == "" {
				if err != nil || len(res.Matches) != 13 {
					t.Fatalf("Search = %d matches, %v; want 13 matches after retries", len(res.Matches), err)
				}
				return
			}
			if err == nil {
				t.Fatal("Search succeeded, want an error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to hold %q", err, tt.wantText)
			}
			if strings.Contains(err.Error(), s.key) {
				t.Errorf("err = %q holds the API key", err)
			}
		})
	}
}

func TestShodanBackoffGrows(t *testing.T) {
	p := retryPolicy{attempts: 5, delay: time.Second, maxDelay: 3 * time.Second}
	prevMin := time.Duration(0)
	for n, base := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		d := p.backoff(n + 1)
		if d < base || d > base+base/4 {
			t.Errorf("retry %d: delay %v, want within [%v, %v]", n+1, d, base, base+base/4)
		}
		if d < prevMin {
			t.Errorf("retry %d: delay %v shrank below %v", n+1, d, prevMin)
		}
		prevMin = base
	}
	if d := (retryPolicy{}).backoff(1); d != 0 {
		t.Errorf("no delay: backoff %v", d)
	}
}

func TestShodanMissingKeySendsNothing(t *testing.T) {
	srv := newStandIn(t)
	s, _ := newShodan(t, srv, nil, nil)
	s.key = ""
	if _, err := s.Search(context.Background(), "apache", 100); !errors.Is(err, ErrMissingAPIKey) {
		t.Fatalf("err = %v, want ErrMissingAPIKey", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent without a key", n)
	}
}

func TestShodanCancellation(t *testing.T) {
	t.Run("during a request", func(t *testing.T) {
		srv := newStandIn(t)
		srv.Enqueue(shodantest.Reply{Delay: time.Minute})
		s, _ := newShodan(t, srv, map[string]string{SettingRequestTimeout: "1m"}, nil)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-srv.Requested(1)
			cancel()
		}()
		_, err := s.Search(ctx, "apache", 100)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("err = %q holds the API key", err)
		}
	})
	t.Run("between retries", func(t *testing.T) {
		srv := newStandIn(t)
		srv.Enqueue(shodantest.Reply{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
		s, _ := newShodan(t, srv, nil, nil)
		ctx, cancel := context.WithCancel(context.Background())
		s.retry.timer = httpxtest.TimerFunc(cancel)
		_, err := s.Search(ctx, "apache", 100)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("requests = %d, want 1 (no retry after cancellation)", n)
		}
	})
	t.Run("between pages", func(t *testing.T) {
		srv := newStandIn(t)
		ctx, cancel := context.WithCancel(context.Background())
		s, _ := newShodan(t, srv, nil, nil)
		// Cancel once the first page's answer is in.
		s.client = &http.Client{Transport: afterRoundTrip{http.DefaultTransport, cancel}}
		res, err := s.Search(ctx, "apache", 300)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if len(res.Matches) != 100 {
			t.Errorf("matches kept = %d, want the 100 of page 1", len(res.Matches))
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("requests = %d, want 1 (page 2 never asked for)", n)
		}
	})
}

// afterRoundTrip calls fn after each round trip of rt, once the answer's
// body is read into memory.
type afterRoundTrip struct {
	rt http.RoundTripper
	fn func()
}

func (a afterRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.rt.RoundTrip(r)
	if err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	a.fn()
	return resp, err
}

// TestShodanQueryEscaping sends awkward queries through the real HTTP path
// and checks that the stand-in reads back exactly the query composed, one
// page parameter and the key.
func TestShodanQueryEscaping(t *testing.T) {
	for _, q := range []string{
		`http.title:"Index of /" ip:127.0.0.1`,
		`apache&page=9&key=stolen hostname:example.com`,
		`org:"Société Générale" #1`,
		`100% +plus ip:127.0.0.1`,
		"tab\tand\nnewline",
	} {
		t.Run(q, func(t *testing.T) {
			srv := newStandIn(t)
			s, _ := newShodan(t, srv, nil, nil)
			if _, err := s.Search(context.Background(), q, 10); err != nil {
				t.Fatalf("Search: %v", err)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Query != q || reqs[0].Page != "1" || reqs[0].Key != testKey {
				t.Errorf("stand-in read %+v, want query %q, page 1 and the key", reqs, q)
			}
		})
	}
}

func TestZeroExecutorUsesDefaults(t *testing.T) {
	srv := newStandIn(t)
	var e Executor
	if err := e.Configure(map[string]string{SettingShodanBaseURL: srv.URL, SettingShodanAPIKey: testKey}); err != nil {
		t.Fatal(err)
	}
	p, err := e.provider(ProviderShodan, Name, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if res, err := p.Search(context.Background(), "nginx", 5); err != nil || len(res.Matches) != 5 {
		t.Fatalf("Search = %d matches, %v", len(res.Matches), err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
}
