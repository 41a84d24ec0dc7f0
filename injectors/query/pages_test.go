package query

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// page1 is the stand-in's first page of "apache" (100 of 250 matches).
func page1() shodantest.Reply {
	return shodantest.Reply{Status: http.StatusOK, Body: string(shodantest.Fixture("apache-page-1.json"))}
}

// TestExecuteLaterPageFails checks what a configuration whose page N > 1
// fails reports: partial, with the matches of the pages received and an
// error naming the page and the engine's answer; and that a 403 is taken
// for a bad key only until the engine accepted the key once in the run.
func TestExecuteLaterPageFails(t *testing.T) {
	forbidden := shodantest.Reply{Status: http.StatusForbidden, Body: shodantest.ErrorBody("Access denied (403 Forbidden)")}
	tooFast := shodantest.Reply{Status: http.StatusTooManyRequests, Body: shodantest.ErrorBody("Rate limit reached")}
	tests := []struct {
		name        string
		replies     []shodantest.Reply
		cfgs        []signatures.ExternalConfig
		wantStatus  signatures.ExecutionStatus
		wantEach    []string
		wantMatches []int
		wantErr     string // in the last configuration's error
		wantNot     string // never in it
	}{
		{"page 2 refused by the plan", []shodantest.Reply{page1(), forbidden},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: refused (HTTP 403: Access denied (403 Forbidden))", "invalid or unauthorised"},
		{"page 2 rate limited after the retries", []shodantest.Reply{page1(), tooFast, tooFast, tooFast, tooFast},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: rate limited (HTTP 429: Rate limit reached)", ""},
		{"page 2 with a bad key", []shodantest.Reply{page1(), {Status: http.StatusUnauthorized, Body: shodantest.ErrorBody("Invalid API key")}},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: invalid or unauthorised API key (HTTP 401", ""},
		{"403 on the first request is the key", []shodantest.Reply{forbidden},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusFailed,
			[]string{ResultFailed}, []int{0}, "page 1: invalid or unauthorised API key (HTTP 403", ""},
		{"403 once the key worked for another configuration", []shodantest.Reply{{Body: string(shodantest.Fixture("nginx-page-1.json"))}, forbidden},
			[]signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache vuln:CVE-2021-41773"}}, framework.StatusPartial,
			[]string{ResultSuccess, ResultFailed}, []int{13, 0}, "page 1: refused (HTTP 403", "invalid or unauthorised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies...)
			e, _ := newTestExecutor(t, srv, nil)
			out := e.Execute(context.Background(), newInject(t, zap.NewNop(), &Params{MaxResults: 300, Provider: ProviderShodan}, tt.cfgs...))
			if out.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q", out.Status, tt.wantStatus)
			}
			if tt.wantStatus == framework.StatusPartial && out.ErrorInfo != nil {
				t.Errorf("error info = %+v, want none for a partial result", out.ErrorInfo)
			}
			rs := results(t, out)
			for i := range tt.wantEach {
				if rs[i].Status != tt.wantEach[i] || len(rs[i].Matches) != tt.wantMatches[i] {
					t.Errorf("results[%d] = %s with %d matches (%s), want %s with %d", i, rs[i].Status, len(rs[i].Matches), rs[i].Error,
						tt.wantEach[i], tt.wantMatches[i])
				}
				ips, _ := out.TargetExtras[i][framework.Detection][ExtraMatchedIPs].([]string)
				if len(ips) != len(matchedIPs(rs[i].Matches)) {
					t.Errorf("target_extras[%d] matched_ips = %v, want the matches kept", i, ips)
				}
			}
			last := len(rs) - 1
			if !strings.Contains(rs[last].Error, tt.wantErr) || (tt.wantNot != "" && strings.Contains(rs[last].Error, tt.wantNot)) {
				t.Errorf("error = %q, want it to hold %q and not %q", rs[last].Error, tt.wantErr, tt.wantNot)
			}
			if got := out.TargetExtras[last][framework.Detection][ExtraQueryError]; got != rs[last].Error {
				t.Errorf("query_error = %v, want %q", got, rs[last].Error)
			}
		})
	}
}
