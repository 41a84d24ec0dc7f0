package query

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// plainPage is a Shodan page of n banners of 192.0.2.0/24 (from .from
// on), none with a vuln unless withCVE, and the given total.
func plainPage(t *testing.T, from, n, total int, withCVE bool) shodantest.Reply {
	t.Helper()
	ms := make([]map[string]any, n)
	for i := range ms {
		ms[i] = map[string]any{"ip_str": "192.0.2." + strconv.Itoa(from+i), "port": 80, "transport": "tcp", "data": "HTTP/1.1 200 OK"}
		if withCVE {
			ms[i]["vulns"] = map[string]any{"CVE-2021-41773": map[string]any{"cvss": 7.5}}
		}
	}
	b, err := json.Marshal(map[string]any{"matches": ms, "total": total})
	if err != nil {
		t.Fatal(err)
	}
	return shodantest.Reply{Status: http.StatusOK, Body: string(b)}
}

var refusedPage = shodantest.Reply{Status: http.StatusForbidden, Body: `{"error": "Access denied (403 Forbidden)"}`}

// TestCVEsExtraOnlyWhenAnswered: a target's cves signature says which
// CVEs its query found. An empty list says none, which only a query
// answered in full may say: one refused (403), one whose later page
// failed, or one cut at max_results with matches left unfetched, that
// found no CVE, carries no cves extra (its query_error, or its
// partial_results, says what happened), as the cves output is left out
// then; a CVE found is carried whatever was not answered.
func TestCVEsExtraOnlyWhenAnswered(t *testing.T) {
	for _, tt := range []struct {
		name    string
		replies func(t *testing.T) []shodantest.Reply
		limit   int
		status  string
		want    []string // nil: no cves extra
	}{
		{"answered in full, no CVE", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{plainPage(t, 1, 3, 3, false)}
		}, 100, ResultSuccess, []string{}},
		{"refused", func(*testing.T) []shodantest.Reply { return []shodantest.Reply{refusedPage} }, 100, ResultFailed, nil},
		{"page 2 refused, no CVE on page 1", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{plainPage(t, 1, 100, 150, false), refusedPage}
		}, 200, ResultPartial, nil},
		{"page 2 refused, a CVE on page 1", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{plainPage(t, 1, 100, 150, true), refusedPage}
		}, 200, ResultPartial, []string{"CVE-2021-41773"}},
		{"cut at max_results, no CVE", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{plainPage(t, 1, 2, 40, false)}
		}, 2, ResultSuccess, nil},
		{"cut at max_results, a CVE", func(t *testing.T) []shodantest.Reply {
			return []shodantest.Reply{plainPage(t, 1, 2, 40, true)}
		}, 2, ResultSuccess, []string{"CVE-2021-41773"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			srv.Enqueue(tt.replies(t)...)
			e, _ := newTestExecutor(t, srv, nil)
			cfg := signatures.ExternalConfig{Query: "httpd"}
			out := e.Execute(context.Background(), newInject(t, zap.NewNop(), &Params{MaxResults: tt.limit, Provider: ProviderShodan}, cfg))
			if rs := results(t, out); rs[0].Status != tt.status {
				t.Fatalf("result = %s (%s), want %s", rs[0].Status, rs[0].Error, tt.status)
			}
			got, ok := out.TargetExtras[externalTargets(cfg)[0]][framework.Vulnerability][ExtraCVEs]
			switch {
			case tt.want == nil && ok:
				t.Errorf("cves extra = %v, want none: the query was not answered in full and found no CVE", got)
			case tt.want != nil && (!ok || !slices.Equal(got.([]string), tt.want)):
				t.Errorf("cves extra = %v (set %v), want %v", got, ok, tt.want)
			}
		})
	}
}

// TestRefusedQueryCarriesNoEmptyCVEsOnTheWire runs the CLI against the
// stand-in answering 403: the callback's signature of that target holds
// its query_error and no "cves": [] a backend would read as "no CVE
// found".
func TestRefusedQueryCarriesNoEmptyCVEsOnTheWire(t *testing.T) {
	srv := newStandIn(t)
	srv.Enqueue(refusedPage)
	code, out, errs := runCLI(t, Name, map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey,
		"INJECTKIT_OUTBOX": "none"}, "injectkit", "run", "query", "--query", "httpd", "-o", "json")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (failed); stderr:\n%s", code, errs)
	}
	body := transporttest.PrintedBody(t, out.String())
	if tgs := body.ExpectationSignature.Targets; len(tgs) != 1 || len(tgs[0].SignatureValues) != 1 {
		t.Fatalf("stdout is not one body of one target:\n%s", out)
	}
	var types []string
	for _, v := range body.ExpectationSignature.Targets[0].SignatureValues[0].Values {
		types = append(types, v.SignatureType)
	}
	if slices.Contains(types, ExtraCVEs) || !slices.Contains(types, ExtraQueryError) {
		t.Errorf("signature types = %v, want query_error and no cves:\n%s", types, out)
	}
}
