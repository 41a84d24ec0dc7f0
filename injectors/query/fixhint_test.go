package query

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// TestErrorsNameWhatToFix: each of Shodan's error answers gives an error
// saying what to fix, in its own words: a plan that does not cover the
// search is no refused key (check the plan, not the key's value), a 403
// names the plan too, and a query Shodan cannot read, answered 400 or
// 200, names the query. None holds the key.
func TestErrorsNameWhatToFix(t *testing.T) {
	const upgrade = "Please upgrade your API plan to use filters or paging."
	const timedOut = "<html><body><h1>504 Gateway Time-out</h1>Request timed out</body></html>"
	tests := []struct {
		name    string
		reply   shodantest.Reply
		wantIs  error
		want    []string
		notWant []string
	}{
		{"plan does not cover filters or paging", shodantest.Reply{Status: 401, Body: shodantest.ErrorBody(upgrade)}, ErrPlan,
			[]string{"HTTP 401: " + upgrade, "the key's plan", "membership or API plan", "without a filter"},
			[]string{"invalid or unauthorised API key", "check env"}},
		{"403 for a filter the plan refuses", shodantest.Reply{Status: 403, Body: shodantest.ErrorBody(shodantest.MsgDenied)}, ErrRefused,
			[]string{"HTTP 403: " + shodantest.MsgDenied, "the key's plan", "filter"}, nil},
		{"invalid query, 400", shodantest.Reply{Status: 400, Body: shodantest.ErrorBody("Invalid search query")}, ErrBadQuery,
			[]string{"HTTP 400: Invalid search query", "check the query"}, nil},
		{"invalid query, 200", shodantest.Reply{Status: 200, Body: shodantest.ErrorBody("Invalid search query")}, ErrBadQuery,
			[]string{"HTTP 200: Invalid search query", "check the query"}, nil},
		{"rate limited after the retries", shodantest.Reply{Status: 429, Body: shodantest.ErrorBody("Rate limit reached")}, ErrRateLimited,
			[]string{"HTTP 429: Rate limit reached", "one request a second", "same key"}, nil},
		{"timed out, JSON", shodantest.Reply{Status: 503, Body: shodantest.ErrorBody("Request timed out")}, ErrServer,
			[]string{"HTTP 503: Request timed out", "run the inject again later"}, nil},
		{"timed out, HTML", shodantest.Reply{Status: 504, Header: map[string][]string{"Content-Type": {"text/html"}}, Body: timedOut}, ErrServer,
			[]string{"HTTP 504", "run the inject again later"}, []string{"<html"}},
		{"refused key, HTML", shodantest.Reply{Status: 401, Header: map[string][]string{"Content-Type": {"text/html"}},
			Body: shodantest.InvalidKeyPage}, ErrUnauthorized,
			[]string{"invalid or unauthorised API key (HTTP 401)", "check env INJECTKIT_SHODAN_API_KEY"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.reply, tt.reply, tt.reply, tt.reply) // the retries of a 429 or a 5xx get it again
			s, _ := newShodan(t, srv, nil, nil)
			_, err := s.Search(context.Background(), "apache port:80", 100)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q: want %q in it", msg, w)
				}
			}
			for _, w := range append(tt.notWant, testKey) {
				if strings.Contains(msg, w) {
					t.Errorf("%q: %q in it", msg, w)
				}
			}
		})
	}
}

// TestFreePlanKey runs a key without a paid plan against the stand-in: the
// configuration narrowed to its target (a filter) fails saying the plan
// does not cover it, never that the key is bad, and the next one, a first
// page without a filter, is still sent and succeeds.
func TestFreePlanKey(t *testing.T) {
	srv := newStandIn(t)
	srv.SetFreePlan(true)
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), nil, signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"},
		signatures.ExternalConfig{Query: "nginx"})
	rs := results(t, e.Execute(context.Background(), in))
	if rs[0].Status != ResultFailed || !strings.Contains(rs[0].Error, "not covered by the key's plan (HTTP 401: "+shodantest.MsgUpgrade+")") ||
		strings.Contains(rs[0].Error, "check env") {
		t.Errorf("results[0] %s %q, want failed, the plan named", rs[0].Status, rs[0].Error)
	}
	if rs[1].Status != ResultSuccess || len(srv.Requests()) != 2 {
		t.Errorf("results[1] %s after %d requests, want success, 2", rs[1].Status, len(srv.Requests()))
	}
}
