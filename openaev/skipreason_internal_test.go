package openaev

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/runtime"
)

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
			[]string{`hostname "web:80" is not a valid target: a target holds no port, the ports`}},
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
	got, why := assetValue(a, prop, nil)
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
	sel, err := resolveTargets(context.Background(), m, pager, nil, DefaultMaxTargets)
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
