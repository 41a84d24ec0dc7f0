package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// A target's trace names each of its findings once: an extra of the same
// name as a finding (query's matched_ips) lists the target's values, and
// the finding's count beside it would say the same thing again.
func TestTargetMessageNamesEachOnce(t *testing.T) {
	m := &framework.Manifest{Name: "query", Category: framework.External,
		Outputs: []framework.Output{{Type: "ipv4", Field: "matched_ips"}, {Type: "cve", Field: "cves"}}}
	target := framework.Target{Config: signatures.ExternalConfig{Query: "port:22", TargetIPv4: "192.0.2.7"},
		Attribution: signatures.Attribution{Asset: "a1"}}
	tests := []struct {
		name   string
		extras framework.TypeExtras
		want   string
	}{
		{"extra of a finding's name", framework.TypeExtras{framework.Detection: {"matched_ips": []string{"192.0.2.7"}}},
			"query on 192.0.2.7: succeeded; cves: 1; matched_ips: 192.0.2.7"},
		{"no extras: the counts", nil, "query on 192.0.2.7: succeeded; matched_ips: 1; cves: 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runtime.Report{Injector: "query", Status: signatures.StatusSuccess, Targets: []framework.Target{target},
				Output: framework.ToolOutput{
					Findings: map[string]any{"matched_ips": []string{"192.0.2.7", "198.51.100.1"},
						"cves": []map[string]any{{"id": "CVE-2024-6387", "asset_id": "a1"}}},
					TargetExtras: map[framework.Target]framework.TypeExtras{target: tt.extras}}}
			if got := targetMessage(r, m, 0, r.TargetStatus(0), r.TargetExtras(0), findingLists(r.Output.Findings, m)); got != tt.want {
				t.Errorf("message\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// A finding row is counted for the target it names, by its asset and its
// target, else its host: nmap's rows of localhost and of 127.0.0.1 share
// the host 127.0.0.1, and each target counts its own; so do two assets of
// one value (agents behind one NAT, two endpoints named localhost).
func TestAttributed(t *testing.T) {
	rows := []any{
		map[string]any{"host": "127.0.0.1", "port": 22.0, "target": "127.0.0.1", "asset_id": "a1"},
		map[string]any{"host": "127.0.0.1", "port": 22.0, "target": "localhost", "asset_id": "a2"},
		map[string]any{"host": "127.0.0.1", "port": 80.0, "target": "localhost", "asset_id": "a2"},
		map[string]any{"host": "192.0.2.7", "asset_id": "a3"},
		map[string]any{"ip": "192.0.2.8"},
		"192.0.2.9",
		map[string]any{"host": "198.51.100.1", "port": 22.0, "target": "198.51.100.1", "asset_id": "nat1"},
		map[string]any{"host": "198.51.100.1", "port": 22.0, "target": "198.51.100.1", "asset_id": "nat2"},
		map[string]any{"host": "198.51.100.1", "port": 80.0, "target": "198.51.100.1", "asset_id": "nat2"},
		map[string]any{"id": "CVE-2024-6387", "host": []any{"198.51.100.2"}, "asset_id": []any{"q1", "q2"}},
	}
	tests := []struct {
		asset, value string
		want         int
	}{
		{"a1", "127.0.0.1", 1},
		{"a2", "localhost", 2},
		{"", "127.0.0.1", 1},        // no asset: by its target
		{"a3", "192.0.2.7", 1},      // by its asset
		{"a9", "192.0.2.7", 0},      // another asset on the host
		{"", "192.0.2.8", 1},        // by its ip
		{"", "192.0.2.9", 1},        // a scalar
		{"nat1", "198.51.100.1", 1}, // one value, two assets: each its own rows
		{"nat2", "198.51.100.1", 2},
		{"nat3", "198.51.100.1", 0},
		{"q2", "198.51.100.2", 1}, // one of the row's assets
		{"q3", "198.51.100.2", 0},
	}
	for _, tt := range tests {
		if got := attributed(rows, tt.asset, tt.value); got != tt.want {
			t.Errorf("attributed(%s, %s) = %d, want %d", tt.asset, tt.value, got, tt.want)
		}
	}
}

// A refused field of a platform message is named as the message holds it:
// a param, and a field of the cloud targets the contract's cloud fields
// made, as inject_content.<key>; other fields as they are.
func TestContentFields(t *testing.T) {
	cloud := &Selection{Selector: SelectorCloud}
	tests := []struct {
		field string
		sel   *Selection
		want  string
	}{
		{"params.delay", nil, "inject_content.delay"},
		{"targets[1].cloud_region", cloud, "inject_content.cloud_region"},
		{"targets[0].target_service", cloud, "inject_content.target_service"},
		{"targets[1].cloud_region", nil, "targets[1].cloud_region"},
		{"targets[0].value", cloud, "targets[0].value"},
		{"timeout", cloud, "timeout"},
	}
	for _, tt := range tests {
		err := contentFields(&ValidationError{Field: tt.field, Value: "v", Reason: "bad"}, tt.sel)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.want {
			t.Errorf("contentFields(%s) = %v, want the field %s", tt.field, err, tt.want)
		}
	}
}

// A target's extras that are maps (cloudscan's calls by region) are
// rendered in its trace, by key, sorted, as lists are: cut to
// maxTraceItems keys, and items, the rest counted.
func TestTargetMessageRendersMapExtras(t *testing.T) {
	m := &framework.Manifest{Name: "cloudscan", Category: framework.Cloud}
	target := framework.Target{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012",
		CloudRegion: "eu-west-1"}, Attribution: signatures.Attribution{Asset: "acct-eu"}}
	var many []string
	regions := map[string][]string{}
	for i := range maxTraceItems + 2 {
		many = append(many, fmt.Sprintf("ec2.amazonaws.com:Call%02d", i))
		regions[fmt.Sprintf("r-%02d", i)] = []string{"sts.amazonaws.com:GetCallerIdentity"}
	}
	tests := []struct {
		name      string
		extra     any
		want      []string // in this order
		wantNot   []string
		wantEqual string
	}{
		{"by region, sorted", map[string][]string{"us-west-2": {"sts.amazonaws.com:GetCallerIdentity"},
			"us-east-1": {"iam.amazonaws.com:ListAccessKeys", "iam.amazonaws.com:ListUsers"}},
			[]string{"; other: us-east-1: iam.amazonaws.com:ListAccessKeys, iam.amazonaws.com:ListUsers",
				"us-west-2: sts.amazonaws.com:GetCallerIdentity"}, nil, ""},
		{"decoded JSON", map[string]any{"us-east-1": []any{"iam.amazonaws.com:ListUsers"}, "none": nil},
			[]string{"; other: us-east-1: iam.amazonaws.com:ListUsers"}, []string{"none"}, ""},
		{"a region's calls cut", map[string][]string{"us-east-1": many},
			[]string{"Call19", " and 2 more"}, []string{"Call20"}, ""},
		{"regions cut", regions, []string{"r-19: ", " and 2 more"}, []string{"r-20"}, ""},
		{"nested deeper: left out", map[string]any{"us-east-1": map[string]any{"x": "y"}}, nil, []string{"other"},
			"cloudscan on aws:123456789012:eu-west-1: succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runtime.Report{Injector: "cloudscan", Status: signatures.StatusSuccess, Targets: []framework.Target{target},
				Output: framework.ToolOutput{TargetExtras: map[framework.Target]framework.TypeExtras{target: {framework.Detection: {
					"other": tt.extra, "calls": []string{"s3.amazonaws.com:ListBuckets"}}}}}}
			got := targetMessage(r, m, 0, r.TargetStatus(0), r.TargetExtras(0), findingLists(r.Output.Findings, m))
			if !strings.HasPrefix(got, "cloudscan on aws:123456789012:eu-west-1: succeeded") {
				t.Errorf("message %q", got)
			}
			if tt.wantEqual != "" && got != tt.wantEqual+"; calls: s3.amazonaws.com:ListBuckets" {
				t.Errorf("message\n%q\nwant\n%q", got, tt.wantEqual+"; calls: s3.amazonaws.com:ListBuckets")
			}
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("message %q lacks %q (in order)", got, w)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("message %q holds %q", got, w)
				}
			}
			if got != targetMessage(r, m, 0, r.TargetStatus(0), r.TargetExtras(0), nil) {
				t.Error("message not deterministic")
			}
		})
	}
}

// A cloud target's trace names it as the run's summary does: with its
// service when it names one, so that two targets of one region differ.
func TestTargetMessageNamesTheCloudService(t *testing.T) {
	m := &framework.Manifest{Name: "cloudscan", Category: framework.Cloud}
	for _, tt := range []struct{ service, want string }{
		{"", "cloudscan on aws:123456789012:eu-west-1: succeeded"},
		{"ec2", "cloudscan on aws:123456789012:eu-west-1:ec2: succeeded"},
	} {
		target := framework.Target{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012",
			CloudRegion: "eu-west-1", TargetService: tt.service}}
		r := &runtime.Report{Injector: "cloudscan", Status: signatures.StatusSuccess, Targets: []framework.Target{target}}
		if got := targetMessage(r, m, 0, r.TargetStatus(0), r.TargetExtras(0), nil); got != tt.want {
			t.Errorf("service %q: %q, want %q", tt.service, got, tt.want)
		}
		if got := targetLabel(runtime.TargetSpec{CloudProvider: "aws", CloudAccountID: "123456789012",
			CloudRegion: "eu-west-1", TargetService: tt.service}); !strings.HasSuffix(tt.want, " on "+got+": succeeded") {
			t.Errorf("service %q: the summary names it %q, the trace %q", tt.service, got, tt.want)
		}
	}
}

// A skip reason reads as a sentence whatever the reason its addresses
// share: the address is said to be what it is ("is not an IP address",
// "are loopback"), never the reason pasted before "addresses" ("only not
// an IP addresses"); and it holds no ";", the separator of the lists it
// goes in. A value that does not read as an attempt at an address or a
// host name ("$(id)", "a;b") is "(not shown)", as every refused target's
// error shows it (signatures.ReadsAsTarget); a typo is quoted.
func TestSkipReasonGrammar(t *testing.T) {
	var loopbacks []string
	for i := 1; i <= 7; i++ {
		loopbacks = append(loopbacks, fmt.Sprintf("127.0.0.%d", i))
	}
	tests := []struct {
		name string
		a    Asset
		prop string
		want []string
	}{
		{"one value not an IP", Asset{IPs: []string{"1.2.3.4%eth0"}}, PropertyLocalIP,
			[]string{`no usable address: "1.2.3.4%eth0" is not an IP address`}},
		{"two values not IPs", Asset{IPs: []string{"x", "y"}}, PropertyLocalIP,
			[]string{`no usable address: x and y are not IP addresses`}},
		{"three loopback", Asset{IPs: []string{"127.0.0.1", "::1", "::ffff:127.0.0.1"}}, PropertyLocalIP,
			[]string{"no usable address: 127.0.0.1, ::1 and ::ffff:127.0.0.1 are loopback"}},
		{"more loopback than listed", Asset{IPs: loopbacks}, PropertyLocalIP,
			[]string{"127.0.0.4, 127.0.0.5 and 2 more are loopback"}},
		{"one of each", Asset{SeenIP: "not-an-ip", IPs: []string{"::1", "fe80::1%eth0", "0.0.0.0", "224.0.0.1", "255.255.255.255"}},
			PropertyAutomatic, []string{"not-an-ip is not an IP address, ::1 is loopback", "0.0.0.0 is unspecified",
				"224.0.0.1 is multicast", ", and 1 more"}},
		{"one broadcast", Asset{IPs: []string{"255.255.255.255"}}, PropertyLocalIP, []string{"255.255.255.255 is broadcast"}},
		{"a zone the target refuses", Asset{IPs: []string{"2001:db8::1%a;b"}}, PropertyLocalIP,
			[]string{`(not shown) is refused (zone may hold only`}},
		{"seen_ip not an IP", Asset{SeenIP: "nope!"}, PropertySeenIP, []string{`seen_ip (not shown) is not an IP address`}},
		{"seen_ip a typo", Asset{SeenIP: "10.0.0.300"}, PropertySeenIP, []string{`seen_ip "10.0.0.300" is not an IP address`}},
		{"host name with a port", Asset{Hostname: "web:80"}, PropertyHostname,
			[]string{`hostname "web:80" is not a valid target: a target holds no port, the platform stores an asset's hostname as entered`,
				`the ports, for an injector that takes any, are one of its contract's fields`}},
		{"hostile host name", Asset{Hostname: "a;b", SeenIP: "127.0.0.1"}, PropertyAutomatic,
			[]string{`hostname (not shown) is not a valid target and no usable address: 127.0.0.1 is loopback`}},
		{"command in a host name", Asset{Hostname: "$(id)"}, PropertyHostname,
			[]string{`hostname (not shown) is not a valid target: host name may hold only`}},
		{"two values not shown, each counted", Asset{IPs: []string{"$(a)", "$(b)"}}, PropertyLocalIP,
			[]string{`no usable address: (not shown) and (not shown) are not IP addresses`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSkipped(t, tt.a, tt.prop, tt.want, []string{";", " addresses ("})
		})
	}
}

// checkSkipped checks that assetValue skips a under prop with a reason
// that holds each of want and none of not.
func checkSkipped(t *testing.T, a Asset, prop string, want, not []string) {
	t.Helper()
	got, why := assetValue(a, prop, nil, "")
	if got != "" {
		t.Fatalf("assetValue(%+v, %s) = %q, want it skipped", a, prop, got)
	}
	for _, w := range want {
		if !strings.Contains(why, w) {
			t.Errorf("reason %q lacks %q", why, w)
		}
	}
	for _, w := range not {
		if strings.Contains(why, w) {
			t.Errorf("reason %q holds %q", why, w)
		}
	}
}

// groupPager pages fixed asset groups.
type groupPager map[string][]Asset

func (p groupPager) GroupAssetsUpTo(_ context.Context, id string, _ int) ([]Asset, error) {
	return p[id], nil
}

// The trace and the no-targets refusal list skipped assets and asset
// groups that gave no target alike: one entry each, "asset ID (reason)"
// or "asset group …", joined with "; ", whatever the ids, names and
// values hold (";", parentheses, a reason with commas).
func TestSkipListsHoldOneEntryPerAssetAndGroup(t *testing.T) {
	assets := []Asset{
		{ID: "w1", Hostname: "bad host!", IPs: []string{"::1", "fe80::1%eth0", "not-an-ip"}, SeenIP: "0.0.0.0"},
		{ID: "w2"},
		{ID: "w3; asset w9", Hostname: "ok.example.com", IPs: []string{"127.0.0.1", "::ffff:127.0.0.1"}, Agents: []string{"ag"}},
		{ID: "w(4)", Hostname: "x;y"},
	}
	groups := []AssetGroup{{ID: "g-weird", Name: "Weird; Paris"}, {ID: "g-empty", Name: "Empty (old)"}}
	pager := groupPager{"g-weird": assets}
	content := map[string]json.RawMessage{KeyTargetSelector: json.RawMessage(`"asset-groups"`)}
	m := &Message{Injection: Injection{InjectID: "i", Content: content}, AssetGroups: groups}
	sel, err := resolveTargets(context.Background(), m, pager, nil, DefaultMaxTargets, "")
	if err == nil {
		t.Fatal("no error, want no targets")
	}
	trace := describeRun(runtime.Request{Injector: "noop", Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}}}, sel, 1<<20)
	for _, tt := range []struct{ where, text, barrenFrom, barrenTo, skippedFrom, skippedTo string }{
		{"refusal", err.Error(), "asset-groups (", ") (skipped: ", "(skipped: ", ")"},
		{"trace", trace, "10.0.0.1; ", "; skipped: ", "; skipped: ", ""},
	} {
		t.Run(tt.where, func(t *testing.T) {
			barren := section(t, tt.text, tt.barrenFrom, tt.barrenTo)
			if got := strings.Split(barren, "; "); len(got) != len(groups) {
				t.Errorf("%q: %d groups listed, want %d: %q", tt.text, len(got), len(groups), got)
			} else {
				for _, g := range got {
					if !strings.HasPrefix(g, "asset group ") {
						t.Errorf("group entry %q is no asset group", g)
					}
				}
			}
			skipped := section(t, tt.text, tt.skippedFrom, tt.skippedTo)
			got := strings.Split(skipped, "; ")
			if len(got) != len(assets) {
				t.Fatalf("%q: %d assets listed, want %d: %q", tt.text, len(got), len(assets), got)
			}
			for _, e := range got {
				if !strings.HasPrefix(e, "asset ") || !strings.HasSuffix(e, ")") || strings.Count(e, "(") != strings.Count(e, ")") {
					t.Errorf("skipped entry %q is not \"asset ID (reason)\"", e)
				}
			}
		})
	}
	if sel.Barren[0] == "" || strings.Contains(strings.Join(sel.Barren, ""), ";") {
		t.Errorf("WARN line's groups %q hold a \";\"", sel.Barren)
	}
}

// section is the part of s between from and to (the end when to is "").
func section(t *testing.T, s, from, to string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		t.Fatalf("%q does not hold %q", s, from)
	}
	if to == "" {
		return rest
	}
	i := strings.LastIndex(rest, to)
	if i < 0 {
		t.Fatalf("%q does not hold %q after %q", s, to, from)
	}
	return rest[:i]
}
