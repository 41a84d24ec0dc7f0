package query

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/contracttest"
	"github.com/injectkit/injectkit/signatures"
)

func TestSeverity(t *testing.T) {
	// The scores of each band, from its top to its bottom; a CVE without a
	// score is unknown, whatever the number.
	bands := map[string][]float64{
		SeverityCritical: {10, 9.8, 9},
		SeverityHigh:     {8.9, 7},
		SeverityMedium:   {6.9, 4},
		SeverityLow:      {3.9, 0.1},
		SeverityInfo:     {0},
	}
	for want, scores := range bands {
		for _, score := range scores {
			if got := severity(score, true); got != want {
				t.Errorf("severity(%v, true) = %s, want %s", score, got, want)
			}
		}
	}
	for _, score := range []float64{0, 9.8} {
		if got := severity(score, false); got != SeverityUnknown {
			t.Errorf("severity(%v, false) = %s, want %s", score, got, SeverityUnknown)
		}
	}
}

func TestSplitFamilies(t *testing.T) {
	tests := []struct {
		name           string
		in             []string
		wantV4, wantV6 []string
	}{
		{"none", nil, []string{}, []string{}},
		{"both, sorted and unique", []string{"2001:db8::15", "192.0.2.10", "127.0.0.1", "192.0.2.10", "2001:db8::1"},
			[]string{"127.0.0.1", "192.0.2.10"}, []string{"2001:db8::1", "2001:db8::15"}},
		{"IPv4-mapped counts as IPv4", []string{"::ffff:192.0.2.7"}, []string{"192.0.2.7"}, []string{}},
		{"zone dropped", []string{"fe80::1%eth0"}, []string{}, []string{"fe80::1"}},
		{"not an address", []string{"example.com", ""}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v4, v6 := splitFamilies(tt.in)
			if !slices.Equal(v4, tt.wantV4) || !slices.Equal(v6, tt.wantV6) || v4 == nil || v6 == nil {
				t.Errorf("got %q %q, want %q %q", v4, v6, tt.wantV4, tt.wantV6)
			}
		})
	}
}

func TestBuildCVEs(t *testing.T) {
	m := func(ip string, names []string, scores map[string]float64, vulns ...string) Match {
		return Match{IP: ip, Hostnames: names, Vulns: vulns, CVSS: scores}
	}
	tests := []struct {
		name    string
		results []ConfigResult
		metas   []signatures.Attribution
		want    []CVE
	}{
		{"none", []ConfigResult{{Matches: []Match{m("192.0.2.1", nil, nil)}}}, nil, []CVE{}},
		{"one CVE seen by two targets, sorted hosts and assets",
			[]ConfigResult{
				{Matches: []Match{m("2001:db8::15", []string{"b.example.com"}, map[string]float64{"CVE-2021-23017": 7.7}, "CVE-2021-23017")}},
				{Matches: []Match{m("192.0.2.9", []string{"a.example.com"}, nil, "CVE-2021-23017")}},
			},
			[]signatures.Attribution{{Asset: "asset-z"}, {Asset: "asset-a"}},
			[]CVE{{ID: "CVE-2021-23017", Host: []string{"192.0.2.9", "2001:db8::15", "a.example.com", "b.example.com"},
				AssetID: []string{"asset-a", "asset-z"}, Severity: SeverityHigh}}},
		{"sorted by id, highest score, no asset",
			[]ConfigResult{{Matches: []Match{
				m("192.0.2.1", nil, map[string]float64{"CVE-2024-0002": 3.1}, "CVE-2024-0001", "CVE-2024-0002"),
				m("192.0.2.2", nil, map[string]float64{"CVE-2024-0002": 9.1}, "CVE-2024-0002"),
			}}},
			[]signatures.Attribution{{Agent: "agent-1"}},
			[]CVE{
				{ID: "CVE-2024-0001", Host: []string{"192.0.2.1"}, AssetID: []string{}, Severity: SeverityUnknown},
				{ID: "CVE-2024-0002", Host: []string{"192.0.2.1", "192.0.2.2"}, AssetID: []string{}, Severity: SeverityCritical},
			}},
		{"missing metadata names no asset",
			[]ConfigResult{{Matches: []Match{m("192.0.2.1", nil, map[string]float64{"CVE-2024-0001": 0}, "CVE-2024-0001")}}},
			nil,
			[]CVE{{ID: "CVE-2024-0001", Host: []string{"192.0.2.1"}, AssetID: []string{}, Severity: SeverityInfo}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := buildCVEs(tt.results, tt.metas); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// realConfigs are realFindings's targets.
var realConfigs = []signatures.ExternalConfig{
	{Query: "apache", TargetIPv4: "127.0.0.1"},
	{Query: "nginx"},
	{Query: "nginx", TargetHostname: "example.com"},
}

// realFindings runs an inject against the Shodan stand-in: an IPv4 target,
// a query whose banners include an IPv6 one, a hostname target. The
// findings are returned after a JSON round trip, as the platform reads them.
func realFindings(t *testing.T) (framework.ToolOutput, map[string]any) {
	t.Helper()
	srv := newStandIn(t)
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), &Params{MaxResults: 100, Provider: "shodan"}, realConfigs...)
	out := e.Execute(context.Background(), in)
	if out.ExecutionStatus() != framework.StatusSuccess {
		t.Fatalf("status %s (%+v), want success", out.ExecutionStatus(), out.ErrorInfo)
	}
	return out, contracttest.RoundTrip(t, out.Findings)
}

func TestExecuteOutputs(t *testing.T) {
	out, doc := realFindings(t)
	v4, _ := out.Findings[FieldMatchedIPs].([]string)
	v6, _ := out.Findings[FieldMatchedIPv6].([]string)
	if len(v4) != 13 || v4[0] != "127.0.0.1" || slices.Contains(v4, "2001:db8::15") {
		t.Errorf("matched_ips = %q, want the 13 IPv4 addresses only", v4)
	}
	if !slices.Equal(v6, []string{"2001:db8::15"}) {
		t.Errorf("matched_ipv6 = %q, want [2001:db8::15]", v6)
	}
	cves, _ := out.Findings[FieldCVEs].([]CVE)
	byID := map[string]CVE{}
	var ids []string
	for _, c := range cves {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	wantIDs := []string{"CVE-2019-20372", "CVE-2021-23017", "CVE-2021-41773", "CVE-2021-42013", "CVE-2023-25690", "CVE-2024-38476"}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("cve ids = %q, want %q", ids, wantIDs)
	}
	want := CVE{ID: "CVE-2021-41773", Host: []string{"127.0.0.1", "web0.example.net"}, AssetID: []string{"asset-a"}, Severity: SeverityHigh}
	if got := byID["CVE-2021-41773"]; !reflect.DeepEqual(got, want) {
		t.Errorf("CVE-2021-41773 = %+v, want %+v", got, want)
	}
	if got := byID["CVE-2021-42013"].Severity; got != SeverityCritical {
		t.Errorf("CVE-2021-42013 severity = %s, want critical (cvss 9.8)", got)
	}
	n := byID["CVE-2019-20372"]
	if n.Severity != SeverityMedium || !slices.Equal(n.AssetID, []string{"asset-b", "asset-c"}) ||
		!slices.Contains(n.Host, "2001:db8::15") || !slices.Contains(n.Host, "web512.example.com") {
		t.Errorf("CVE-2019-20372 = %+v, want medium, assets b and c, seen on 2001:db8::15", n)
	}
	// On the wire: objects with id, host, asset_id and severity.
	list, _ := doc[FieldCVEs].([]any)
	first, _ := list[0].(map[string]any)
	for _, k := range []string{"id", "host", "asset_id", "severity"} {
		if _, ok := first[k]; !ok {
			t.Errorf("cve object %v lacks %s", first, k)
		}
	}
	// The per-target extra keeps its shape: ids for VULNERABILITY; every
	// matched address of the target, IPv6 too, is in its result.
	if got := matchedIPs(results(t, out)[1].Matches); !slices.Contains(got, "2001:db8::15") {
		t.Errorf("nginx matched addresses = %q, want the IPv6 address too", got)
	}
	if got := out.TargetExtras[externalTargets(realConfigs...)[1]][framework.Vulnerability][ExtraCVEs].([]string); !slices.Equal(got, []string{"CVE-2019-20372", "CVE-2021-23017"}) {
		t.Errorf("nginx cves extra = %q", got)
	}
}
