package query

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
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
func runBanners(t *testing.T, key string, page shodantest.Reply) (framework.ToolOutput, string) {
	t.Helper()
	srv := shodantest.NewServer(key)
	srv.SetMinInterval(0)
	t.Cleanup(srv.Close)
	srv.Enqueue(page)
	e, _ := newTestExecutor(t, srv, map[string]string{SettingShodanAPIKey: key})
	log, logs := observedLogger()
	in := newInject(t, log, nil, signatures.ExternalConfig{Query: "echo"})
	in.ExpectationTypes = []framework.ExpectationType{framework.Detection, framework.Vulnerability}
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
	if got := out.TargetExtras[0][framework.Detection][ExtraMatchedIPs].([]string); !slices.Equal(got, want) {
		t.Errorf("target matched_ips = %q, want %q", got, want)
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
