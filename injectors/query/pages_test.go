package query

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
// error naming the page and the engine's answer; and that a 403 is a
// refusal of the request (the plan), never a bad key, whatever the order
// of the answers, while a 401 is the key.
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
		wantErr     string // in the error of the last configuration that did not succeed
		wantNot     string // never in it
	}{
		{"page 2 refused by the plan", []shodantest.Reply{page1(), forbidden},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: refused (HTTP 403: Access denied (403 Forbidden))", "invalid or unauthorised"},
		{"page 2 rate limited after the retries", []shodantest.Reply{page1(), tooFast, tooFast, tooFast, tooFast},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: rate limited (HTTP 429: Rate limit reached)", ""},
		{"page 2 with a bad key", []shodantest.Reply{page1(), {Status: http.StatusUnauthorized, Header: http.Header{"Content-Type": {"text/html"}}, Body: shodantest.InvalidKeyPage}},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusPartial,
			[]string{ResultPartial}, []int{100}, "page 2: invalid or unauthorised API key (HTTP 401): check env INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file", ""},
		{"403 on the first request is a refusal", []shodantest.Reply{forbidden},
			[]signatures.ExternalConfig{{Query: "apache"}}, framework.StatusFailed,
			[]string{ResultFailed}, []int{0}, "page 1: refused (HTTP 403: Access denied (403 Forbidden))", "invalid or unauthorised"},
		{"the stand-in's plan refuses the run's first query, not the next", nil,
			[]signatures.ExternalConfig{{Query: "apache vuln:CVE-2021-41773"}, {Query: "nginx"}}, framework.StatusPartial,
			[]string{ResultFailed, ResultSuccess}, []int{0, 13}, "page 1: refused (HTTP 403: Access denied (403 Forbidden))", "invalid or unauthorised"},
		{"403 once the key worked for another configuration", []shodantest.Reply{{Body: string(shodantest.Fixture("nginx-page-1.json"))}, forbidden},
			[]signatures.ExternalConfig{{Query: "nginx"}, {Query: "apache vuln:CVE-2021-41773"}}, framework.StatusPartial,
			[]string{ResultSuccess, ResultFailed}, []int{13, 0}, "page 1: refused (HTTP 403", "invalid or unauthorised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies...)
			out, rs := executePaged(t, srv, tt.cfgs, tt.wantStatus, tt.wantEach, tt.wantMatches)
			if tt.wantStatus == framework.StatusPartial && (out.ErrorInfo == nil || out.ErrorInfo.ExitCode != 0 ||
				!strings.Contains(out.ErrorInfo.Message, tt.wantErr)) {
				t.Errorf("error info = %+v, want a partial result's message naming %q", out.ErrorInfo, tt.wantErr)
			}
			for i := range tt.wantEach {
				target := externalTargets(tt.cfgs...)[i]
				cves, _ := out.TargetExtras[target][framework.Vulnerability][ExtraCVEs].([]string)
				if !slices.Equal(cves, matchedCVEs(rs[i].Matches)) {
					t.Errorf("target_extras[%d] cves = %v, want those of the matches kept", i, cves)
				}
				// Its own outcome, whatever the run's: a query that got
				// every page succeeded beside one refused.
				if got, want := out.TargetStatus[target], resultStatus[tt.wantEach[i]]; got != want {
					t.Errorf("target_status[%d] = %q, want %q", i, got, want)
				}
			}
			last := len(rs) - 1
			for last > 0 && rs[last].Status == ResultSuccess {
				last--
			}
			if !strings.Contains(rs[last].Error, tt.wantErr) || (tt.wantNot != "" && strings.Contains(rs[last].Error, tt.wantNot)) {
				t.Errorf("error = %q, want it to hold %q and not %q", rs[last].Error, tt.wantErr, tt.wantNot)
			}
			if got := out.TargetExtras[externalTargets(tt.cfgs...)[last]][framework.Vulnerability][ExtraQueryError]; got != rs[last].Error {
				t.Errorf("query_error = %v, want %q", got, rs[last].Error)
			}
		})
	}
}

// TestExecuteRunsOutOfQueryCredits runs the executor against the
// stand-in with few query credits left: a search they do not cover fails
// with "query credits exhausted", never "invalid key", keeps the matches
// of the pages it received (partial), and a free search of the run (a
// first page without a filter) still succeeds.
func TestExecuteRunsOutOfQueryCredits(t *testing.T) {
	tests := []struct {
		name        string
		credits     int
		cfgs        []signatures.ExternalConfig
		wantStatus  signatures.ExecutionStatus
		wantEach    []string
		wantMatches []int
		wantErr     string // in the error of the first configuration
	}{
		{"spent while paging", 1, []signatures.ExternalConfig{{Query: "apache"}},
			framework.StatusPartial, []string{ResultPartial}, []int{200},
			"page 3: query credits exhausted (HTTP 401: Insufficient query credits"},
		{"none left for a filter", 0, []signatures.ExternalConfig{{Query: "apache", TargetIPv4: "127.0.0.1"}, {Query: "nginx"}},
			framework.StatusPartial, []string{ResultFailed, ResultSuccess}, []int{0, 13},
			"page 1: query credits exhausted (HTTP 401: Insufficient query credits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.SetQueryCredits(tt.credits)
			out, rs := executePaged(t, srv, tt.cfgs, tt.wantStatus, tt.wantEach, tt.wantMatches)
			if !strings.Contains(rs[0].Error, tt.wantErr) || strings.Contains(rs[0].Error, "invalid or unauthorised") {
				t.Errorf("error = %q, want it to hold %q and not name the key", rs[0].Error, tt.wantErr)
			}
			if got := out.TargetExtras[externalTargets(tt.cfgs...)[0]][framework.Vulnerability][ExtraQueryError]; got != rs[0].Error {
				t.Errorf("query_error = %v, want %q", got, rs[0].Error)
			}
			if cves, _ := out.TargetExtras[externalTargets(tt.cfgs...)[0]][framework.Vulnerability][ExtraCVEs].([]string); !slices.Equal(cves, matchedCVEs(rs[0].Matches)) {
				t.Errorf("cves = %v, want those of the pages received", cves)
			}
		})
	}
}

// executePaged runs cfgs (at most 300 matches each) against srv and
// checks the run's status and each configuration's status and number of
// matches; it returns the output and its results.
func executePaged(t *testing.T, srv *shodantest.Server, cfgs []signatures.ExternalConfig, status signatures.ExecutionStatus,
	each []string, matches []int) (framework.ToolOutput, []ConfigResult) {
	t.Helper()
	e, _ := newTestExecutor(t, srv, nil)
	out := e.Execute(context.Background(), newInject(t, zap.NewNop(), &Params{MaxResults: 300, Provider: ProviderShodan}, cfgs...))
	if out.Status != status {
		t.Errorf("status = %q, want %q", out.Status, status)
	}
	rs := results(t, out)
	for i := range each {
		if rs[i].Status != each[i] || len(rs[i].Matches) != matches[i] {
			t.Errorf("results[%d] = %s with %d matches (%s), want %s with %d", i, rs[i].Status, len(rs[i].Matches), rs[i].Error,
				each[i], matches[i])
		}
	}
	return out, rs
}

// pageOf returns a Shodan page holding n matches of the "apache" fixtures
// (from match from on) and the given total.
func pageOf(t *testing.T, from, n, total int) shodantest.Reply {
	t.Helper()
	var all []json.RawMessage
	for _, name := range []string{"apache-page-1.json", "apache-page-2.json", "apache-page-3.json"} {
		var p struct {
			Matches []json.RawMessage `json:"matches"`
		}
		if err := json.Unmarshal(shodantest.Fixture(name), &p); err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Matches...)
	}
	b, err := json.Marshal(map[string]any{"matches": all[from : from+n], "total": total})
	if err != nil {
		t.Fatal(err)
	}
	return shodantest.Reply{Status: http.StatusOK, Body: string(b)}
}

// TestShodanPagingFollowsTotal checks that paging goes on while fewer
// than min(total, limit) matches are held, whatever a page's length: it
// stops on an empty page and after ceil(total/100) pages, total as page 1
// gives it (a later page's total is not read: each page costs a query
// credit), and a page whose matches are null or absent with a positive
// total is an error of that page.
func TestShodanPagingFollowsTotal(t *testing.T) {
	tests := []struct {
		name        string
		replies     func(t *testing.T) []shodantest.Reply
		limit       int
		wantPages   int
		wantMatches int
		wantErr     string // "" for none
	}{
		{"short first page goes on by the total", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 99, 250), pageOf(t, 99, 100, 250), pageOf(t, 199, 51, 250)}
		}, 300, 3, 250, ""},
		{"short first page, limit inside page two", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 99, 250), pageOf(t, 99, 100, 250)}
		}, 150, 2, 150, ""},
		{"empty page stops", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 99, 250), pageOf(t, 0, 0, 250)}
		}, 300, 2, 99, ""},
		{"no more than ceil(total/100) pages", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 90, 150), pageOf(t, 90, 40, 150)}
		}, 300, 2, 130, ""},
		{"a total growing with each page is read on page 1 only", func(t *testing.T) []shodantest.Reply {
			var rs []shodantest.Reply
			for p := 1; p <= 10; p++ {
				rs = append(rs, pageOf(t, p-1, 1, 100*p+1))
			}
			return rs
		}, 1000, 2, 2, ""},
		{"a total shrinking on page 2 is not read", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 100, 250), pageOf(t, 100, 100, 150), pageOf(t, 200, 50, 150)}
		}, 300, 3, 250, ""},
		{"null matches with a total", func(*testing.T) []shodantest.Reply {
			return []shodantest.Reply{{Body: `{"matches": null, "total": 5}`}}
		}, 300, 1, 0, "page 1: decode search response: no matches list"},
		{"absent matches on page two", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{pageOf(t, 0, 100, 250), {Body: `{"total": 250}`}}
		}, 300, 2, 100, "page 2: decode search response: no matches list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies(t)...)
			s, _ := newShodan(t, srv, nil, nil)
			res, err := s.Search(context.Background(), "apache", tt.limit)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Search: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Search error = %v, want it to hold %q", err, tt.wantErr)
			}
			if n := len(srv.Requests()); n != tt.wantPages {
				t.Errorf("pages requested = %d, want %d", n, tt.wantPages)
			}
			if len(res.Matches) != tt.wantMatches {
				t.Errorf("matches = %d, want %d", len(res.Matches), tt.wantMatches)
			}
		})
	}
}

// TestShodanOversizedAnswerMemory: an engine's answer is decoded from the
// response body as it arrives, never held whole: a refused page of many
// matches (the tester's held 243 854 in 60 MiB, under the 64 MiB cap)
// allocates no more than one a match past the limit, the smallest refused
// page, as the page of 101 matches is read no further than its 101st.
func TestShodanOversizedAnswerMemory(t *testing.T) {
	const refused = "shodan: page 1: decode search response: matches: more than 100 on one page, more than a Shodan page holds"
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	e := New()
	if err := e.Configure(map[string]string{SettingShodanBaseURL: srv.URL, SettingShodanAPIKey: testKey, SettingRequestTimeout: "30s"}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	e.minGap = time.Nanosecond
	t.Cleanup(func() { _ = e.Close() })
	p, err := e.provider(ProviderShodan, Name, zap.NewNop())
	if err != nil {
		t.Fatalf("provider: %v", err)
	}
	allocated := func(page []byte) uint64 {
		body = page
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := p.Search(context.Background(), "apache", 1000)
		runtime.ReadMemStats(&after)
		if err == nil || err.Error() != refused {
			t.Fatalf("Search of %d bytes: %v, want %q", len(page), err, refused)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	base := allocated(sizedPage(101))
	for _, tt := range []struct {
		name    string
		matches int
	}{{"a page of 1000 matches", 1000}, {"a page of 50000 matches", 50000}} {
		t.Run(tt.name, func(t *testing.T) {
			page := sizedPage(tt.matches)
			got, limit := allocated(page), 2*base+256<<10
			t.Logf("a page of %d bytes allocated %d bytes (a page of 101 matches %d)", len(page), got, base)
			if got > limit {
				t.Errorf("a page of %d bytes allocated %d bytes, want at most %d (a page of 101 matches allocated %d)",
					len(page), got, limit, base)
			}
		})
	}
}
