package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// bannerPage is a one-page Shodan answer holding banners.
func bannerPage(t *testing.T, banners ...map[string]any) shodantest.Reply {
	t.Helper()
	b, err := json.Marshal(map[string]any{"matches": banners, "total": len(banners)})
	if err != nil {
		t.Fatal(err)
	}
	return shodantest.Reply{Body: string(b)}
}

// banner is a Shodan banner of ip carrying CVE-2021-44228, with the fields
// of extra on top.
func banner(ip string, extra map[string]any) map[string]any {
	m := map[string]any{"ip_str": ip, "port": 80, "transport": "tcp", "hostnames": []string{}, "domains": []string{},
		"org": "o", "isp": "i", "product": "p", "timestamp": "2026-01-01T00:00:00",
		"vulns": map[string]any{"CVE-2021-44228": map[string]any{"cvss": 10}}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// runBanners runs one configuration against a stand-in accepting key whose
// only answer is page, and returns the output and the log text.
// echoTarget is runBanners's target, as its inject holds it.
var echoTarget = externalTargets(signatures.ExternalConfig{Query: "echo"})[0]

func runBanners(t *testing.T, key string, page shodantest.Reply) (framework.ToolOutput, string) {
	t.Helper()
	srv := shodantest.NewServer(key)
	srv.SetMinInterval(0)
	t.Cleanup(srv.Close)
	srv.Enqueue(page)
	e, _ := newTestExecutor(t, srv, map[string]string{SettingShodanAPIKey: key})
	log, logs := observedLogger()
	in := newInject(t, log, nil, signatures.ExternalConfig{Query: "echo"})
	in.ExpectationTypes = []framework.ExpectationType{framework.Vulnerability}
	out := e.Execute(context.Background(), in)
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s (%+v), want success", out.ExecutionStatus(), out.ErrorInfo)
	}
	return out, logText(logs)
}

// TestExecuteNormalisesBannerAddresses checks that an IPv4-mapped address
// counts as its IPv4 address and a zone is dropped in every output that
// lists a banner's address, duplicates removed after.
func TestExecuteNormalisesBannerAddresses(t *testing.T) {
	out, _ := runBanners(t, testKey, bannerPage(t,
		banner("::ffff:192.0.2.9", nil), banner("192.0.2.9", nil), banner("fe80::1%eth0", nil), banner("2001:db8::1", nil)))
	want := []string{"192.0.2.9", "2001:db8::1", "fe80::1"}
	if got := matchedIPs(results(t, out)[0].Matches); !slices.Equal(got, want) {
		t.Errorf("target matched addresses = %q, want %q", got, want)
	}
	cves, _ := out.Findings[FieldCVEs].([]CVE)
	if len(cves) != 1 || !slices.Equal(cves[0].Host, want) {
		t.Errorf("cves = %+v, want host %q", cves, want)
	}
	var ips []string
	for _, m := range results(t, out)[0].Matches {
		ips = append(ips, m.IP)
	}
	if wantIPs := []string{"192.0.2.9", "192.0.2.9", "fe80::1", "2001:db8::1"}; !slices.Equal(ips, wantIPs) {
		t.Errorf("matches' ip = %q, want %q", ips, wantIPs)
	}
	if v4, v6 := out.Findings[FieldMatchedIPs].([]string), out.Findings[FieldMatchedIPv6].([]string); !slices.Equal(v4, want[:1]) || !slices.Equal(v6, want[1:]) {
		t.Errorf("matched_ips %q, matched_ipv6 %q", v4, v6)
	}
}

// TestExecuteKeepsTheKeyOutOfBannerData runs banners that echo the API
// key — in host names, raw or URL-encoded, and in free text — and checks
// that no form of the key the redactor knows reaches the output, that host
// names which are not RFC 1123 host names are dropped and counted, and
// that the valid ones are kept.
func TestExecuteKeepsTheKeyOutOfBannerData(t *testing.T) {
	tests := []struct {
		name, key string
		// hostnames and domains of the banner, beside the valid ones
		echoed []string
		org    string
	}{
		{"url-encoded key in a host name", "k+y/Z=9%41abcDEF",
			[]string{"h-" + url.QueryEscape("k+y/Z=9%41abcDEF") + ".example"}, "org k+y/Z=9%41abcDEF"},
		{"key that is a valid label", "SHODAN-TEST-KEY-9f3b71c2e8",
			[]string{"h-SHODAN-TEST-KEY-9f3b71c2e8.example"}, "org SHODAN-TEST-KEY-9f3b71c2e8"},
		// A mixed-case key, as Shodan's are, echoed in another case: a DNS
		// name is lowercased, and is still an RFC 1123 host name.
		{"key in another letter case", "AbCdEf0123456789GhIjKlMnOpQrStUv",
			[]string{"h-abcdef0123456789ghijklmnopqrstuv.example", "h-ABCDEF0123456789GHIJKLMNOPQRSTUV.example"},
			"org abcdef0123456789ghijklmnopqrstuv"},
		{"not host names, no key", "SHODAN-TEST-KEY-9f3b71c2e8",
			[]string{"bad_name.example", "-x.example", "a..example", "", "x.example:80", "a b.example"}, "org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := append([]string{"web.example"}, tt.echoed...)
			out, logs := runBanners(t, tt.key, bannerPage(t, banner("192.0.2.7", map[string]any{
				"hostnames": names, "domains": append([]string{"example"}, tt.echoed...), "org": tt.org})))
			b, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); httpx.Redact(s, tt.key) != s || strings.Contains(strings.ToLower(s), strings.ToLower(tt.key)) {
				t.Errorf("output holds the API key: %s", s)
			}
			m := results(t, out)[0].Matches[0]
			if !slices.Equal(m.Hostnames, []string{"web.example"}) || !slices.Equal(m.Domains, []string{"example"}) {
				t.Errorf("hostnames %q, domains %q; want the valid host names only", m.Hostnames, m.Domains)
			}
			cves, _ := out.Findings[FieldCVEs].([]CVE)
			if len(cves) != 1 || !slices.Equal(cves[0].Host, []string{"192.0.2.7", "web.example"}) {
				t.Errorf("cves = %+v, want CVE-2021-44228 seen on 192.0.2.7 and web.example", cves)
			}
			if strings.Contains(strings.ToLower(tt.org), strings.ToLower(tt.key)) && !strings.Contains(m.Org, httpx.Redacted) {
				t.Errorf("org %q, want the key redacted", m.Org)
			}
			if want := `"dropped":` + strconv.Itoa(2*len(tt.echoed)); !strings.Contains(logs, "host names dropped") || !strings.Contains(logs, want) {
				t.Errorf("logs lack the count of host names dropped (%s):\n%s", want, logs)
			}
			if httpx.Redact(logs, tt.key) != logs || strings.Contains(strings.ToLower(logs), strings.ToLower(tt.key)) {
				t.Errorf("logs hold the API key:\n%s", logs)
			}
		})
	}
}

// TestCleanMatchesAnyProvider checks the Executor's gate on what any
// provider returns: a provider other than Shodan's decoder may hand back
// unnormalised addresses and echoed keys.
func TestCleanMatchesAnyProvider(t *testing.T) {
	const key = "k+y/Z=9%41abcDEF"
	ms := []Match{{IP: "::ffff:192.0.2.9", Hostnames: []string{"h-" + key + ".example", "ok.example"},
		Domains: []string{}, Product: "p " + url.QueryEscape(key), Vulns: []string{}}}
	clean, dropped, err := cleanMatches(context.Background(), ms, httpx.NewRedactor(key))
	if err != nil || len(clean) != 1 || dropped != 1 || ms[0].IP != "192.0.2.9" || !slices.Equal(ms[0].Hostnames, []string{"ok.example"}) ||
		ms[0].Product != "p "+httpx.Redacted {
		t.Errorf("cleanMatches: dropped %d, match %+v", dropped, ms[0])
	}
}

// TestCleanMatchesManyNames: an answer may hold millions of host names
// (a 64 MiB page): cleaning them is linear, each name looked up once in
// those kept, and bounded by the inject's context, checked every
// checkEvery names; the matches not cleaned whole when it ends are never
// returned.
func TestCleanMatchesManyNames(t *testing.T) {
	const n = 200_000
	names := func() []string {
		s := make([]string, 0, n)
		for i := range n {
			s = append(s, fmt.Sprintf("H%d.example.", i%(n/2))) // each twice, the second time as given
		}
		return s
	}
	want := make([]string, n/2)
	for i := range want {
		want[i] = fmt.Sprintf("h%d.example", i)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name      string
		ctx       context.Context
		small     int // names of the first match, cleaned whole before the first check
		wantClean int
		wantErr   error
	}{
		{"cleaned whole, each name once", context.Background(), 1, 2, nil},
		{"context ended", cancelled, 1, 1, context.Canceled},
		{"context ended before the first match is cleaned", cancelled, checkEvery, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := []Match{
				{IP: "192.0.2.1", Hostnames: slices.Repeat([]string{"a.example"}, tt.small), Domains: []string{}},
				{IP: "192.0.2.2", Hostnames: names(), Domains: names()},
			}
			clean, dropped, err := cleanMatches(tt.ctx, ms, httpx.NewRedactor(testKey))
			if !errors.Is(err, tt.wantErr) || len(clean) != tt.wantClean || dropped != 0 {
				t.Fatalf("cleanMatches: %d matches, %d dropped, error %v; want %d, 0, %v", len(clean), dropped, err, tt.wantClean, tt.wantErr)
			}
			if len(clean) == 2 && (!slices.Equal(clean[1].Hostnames, want) || !slices.Equal(clean[1].Domains, want)) {
				t.Errorf("names of %d hostnames, %d domains; want the %d names once each, in order", len(clean[1].Hostnames), len(clean[1].Domains), len(want))
			}
		})
	}
}

// TestExecuteDropsUnusableBanners: a banner whose address or port is not
// one is dropped alone and counted in a WARN line; the rest of its page is
// kept, and the run succeeds.
func TestExecuteDropsUnusableBanners(t *testing.T) {
	tests := []struct {
		name string
		bad  []map[string]any
	}{
		{"ip_str not an address", []map[string]any{banner("not-an-ip", nil)}},
		{"ip_str forms netip refuses", []map[string]any{banner("01.2.3.4", nil), banner("1.2.3.4/24", nil), banner("1.2.3.4%x", nil), banner("999.1.1.1", nil)}},
		{"no address", []map[string]any{banner("", nil)}},
		{"port out of range", []map[string]any{banner("192.0.2.8", map[string]any{"port": 70000})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := append([]map[string]any{banner("192.0.2.1", nil)}, tt.bad...)
			page = append(page, banner("192.0.2.2", nil))
			out, logs := runBanners(t, testKey, bannerPage(t, page...))
			want := []string{"192.0.2.1", "192.0.2.2"}
			if got := matchedIPs(results(t, out)[0].Matches); !slices.Equal(got, want) {
				t.Errorf("matched addresses = %q, want %q", got, want)
			}
			if r := results(t, out)[0]; r.Status != ResultSuccess || len(r.Matches) != 2 || r.Total != len(page) {
				t.Errorf("result %s with %d matches of %d, want success with 2 of %d", r.Status, len(r.Matches), r.Total, len(page))
			}
			if want := `"dropped":` + strconv.Itoa(len(tt.bad)); !strings.Contains(logs, "banners dropped") || !strings.Contains(logs, want) {
				t.Errorf("logs lack the count of banners dropped (%s):\n%s", want, logs)
			}
		})
	}
}

// TestSearchPagesPastUnusableBanners: a full page whose banners were all
// dropped is not the end of the results: the next page is fetched.
func TestSearchPagesPastUnusableBanners(t *testing.T) {
	srv := newStandIn(t)
	bad := make([]map[string]any, pageSize)
	for i := range bad {
		bad[i] = banner("not-an-ip", nil)
	}
	first, err := json.Marshal(map[string]any{"matches": bad, "total": pageSize + 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Enqueue(shodantest.Reply{Body: string(first)}, bannerPage(t, banner("192.0.2.1", nil)))
	e, _ := newTestExecutor(t, srv, nil)
	p, err := e.provider(ProviderShodan, Name, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Search(context.Background(), "apache", 1000)
	if err != nil || len(res.Matches) != 1 || res.Dropped != pageSize {
		t.Fatalf("got %d matches, %d dropped, err %v; want 1 match from page 2, %d dropped", len(res.Matches), res.Dropped, err, pageSize)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestExecuteNormalisesBannerHostNames: a banner's host names and domains
// take a target host name's form (lower case, no trailing dot), each once.
func TestExecuteNormalisesBannerHostNames(t *testing.T) {
	tests := []struct {
		name  string
		given []string
		want  []string
	}{
		{"case", []string{"UPPER.Example", "upper.example"}, []string{"upper.example"}},
		{"trailing dot", []string{"ok.example.", "ok.example"}, []string{"ok.example"}},
		{"kept in order", []string{"b.example", "A.example", "b.EXAMPLE."}, []string{"b.example", "a.example"}},
		{"already canonical", []string{"web.example"}, []string{"web.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, logs := runBanners(t, testKey, bannerPage(t, banner("192.0.2.1", map[string]any{"hostnames": tt.given, "domains": tt.given})))
			m := results(t, out)[0].Matches[0]
			if !slices.Equal(m.Hostnames, tt.want) || !slices.Equal(m.Domains, tt.want) {
				t.Errorf("hostnames %q, domains %q; want %q", m.Hostnames, m.Domains, tt.want)
			}
			if strings.Contains(logs, "host names dropped") {
				t.Errorf("a duplicate counted as dropped:\n%s", logs)
			}
		})
	}
}
