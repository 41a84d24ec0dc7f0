package openaev

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// FuzzManualTargets checks that whatever the platform sends as manual
// targets, every accepted target is a valid network target that cannot be
// read as an option, and none is repeated.
func FuzzManualTargets(f *testing.F) {
	for _, s := range []string{"192.0.2.1, web.example.com", "-oN/x", "a,,a", " 2001:db8::1 ,fe80::1%eth0",
		"192.0.2.0/24", "host name", "$(id)", "…", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		specs, err := manualTargets(raw, DefaultMaxTargets)
		if err != nil {
			if !strings.Contains(err.Error(), "inject_content.targets") {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range specs {
			if strings.HasPrefix(s.Value, "-") || strings.TrimSpace(s.Value) != s.Value || s.Value == "" {
				t.Fatalf("accepted %q", s.Value)
			}
			if err := signatures.ClassifyNetworkTarget(s.Value).Validate(); err != nil {
				t.Fatalf("accepted invalid %q: %v", s.Value, err)
			}
			if seen[s.Key()] {
				t.Fatalf("duplicate %q", s.Value)
			}
			seen[s.Key()] = true
		}
	})
}

// FuzzAssetValue checks that the value picked for an asset, whatever its
// fields, is empty or a usable, valid target.
func FuzzAssetValue(f *testing.F) {
	f.Add("web.example.com", "192.0.2.7", "127.0.0.1", "192.0.2.5", true, "automatic")
	f.Add("-oN/x", "::1", "fe80::1", "0.0.0.0", false, "hostname")
	f.Add("", "169.254.1.1", "", "", true, "seen_ip")
	f.Add("h", "", "x", "2001:db8::5", false, "local_ip")
	f.Fuzz(func(t *testing.T, host, seen, ip1, ip2 string, agent bool, prop string) {
		a := Asset{ID: "a", Hostname: host, SeenIP: seen, IPs: []string{ip1, ip2}}
		if agent {
			a.Agents = []string{"ag"}
		}
		v, why := assetValue(a, prop, nil)
		if v == "" {
			if why == "" {
				t.Fatal("no value and no reason")
			}
			return
		}
		if err := validTarget(v); err != nil {
			t.Fatalf("picked invalid %q: %v", v, err)
		}
		if strings.HasPrefix(v, "-") {
			t.Fatalf("picked %q", v)
		}
		if v != strings.TrimSpace(host) && !usableIP(v) {
			t.Fatalf("picked unusable address %q", v)
		}
	})
}
