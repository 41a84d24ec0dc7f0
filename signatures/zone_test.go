package signatures_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// A zoned IPv6 target is reported on the wire as its address alone: the
// zone names an interface of the scanning machine, which no packet
// carries and no defence logs. Every path that writes target_ipv6 drops
// it: a Signature's JSON, BuildPayload, and a Batch's payload (whose
// signatures holding nothing but their identity take a shorter path).
func TestTargetIPv6OnTheWireHasNoZone(t *testing.T) {
	ck := testkit.NewClock(time.Date(2026, 12, 6, 20, 0, 0, 0, time.UTC))
	m := signatures.NewManager(signatures.WithClock(ck.Now), signatures.WithResolver(pinnedResolver("172.17.0.2", "2001:db8::7", nil)))
	tests := []struct {
		target string
		want   string
	}{
		{"fe80::1%lo", "fe80::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"fe80::1%2", "fe80::1"},
		{"::1%lo", "::1"},
		{"2001:db8::1", "2001:db8::1"},
	}
	types := []signatures.ExpectationType{signatures.Detection}
	outs := map[string]signatures.ToolOutput{
		"success":             {Status: signatures.StatusSuccess},
		"success with extras": {Status: signatures.StatusSuccess, ExtraSignatures: map[string]any{"ports_discovered": "22"}},
	}
	for _, tt := range tests {
		for name, out := range outs {
			t.Run(tt.target+"/"+name, func(t *testing.T) {
				cfg := signatures.NetworkConfig{TargetIPv6: tt.target}
				pre, err := m.CompilePre(cfg)
				if err != nil {
					t.Fatal(err)
				}
				post, err := m.CompilePost(pre, out)
				if err != nil {
					t.Fatal(err)
				}
				if post[0].TargetIPv6 != tt.target {
					t.Errorf("signature's TargetIPv6 %q, want the configuration's %q", post[0].TargetIPv6, tt.target)
				}
				b, err := json.Marshal(post[0])
				if err != nil {
					t.Fatal(err)
				}
				var flat map[string]any
				if err := json.Unmarshal(b, &flat); err != nil {
					t.Fatal(err)
				}
				if flat["target_ipv6"] != tt.want {
					t.Errorf("Signature JSON target_ipv6 %v, want %q", flat["target_ipv6"], tt.want)
				}
				p, err := signatures.BuildPayload(post, []signatures.Attribution{{Asset: "a-1"}}, types, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := wireIPv6(t, p); got != tt.want {
					t.Errorf("BuildPayload target_ipv6 %v, want %q", got, tt.want)
				}
				bpre, err := m.Batch(1, func(int) signatures.Config { return cfg })
				if err != nil {
					t.Fatal(err)
				}
				bpost, err := m.Post(bpre, out)
				if err != nil {
					t.Fatal(err)
				}
				bp, err := bpost.Payload(func(int) signatures.Attribution { return signatures.Attribution{Asset: "a-1"} }, types, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := wireIPv6(t, bp); got != tt.want {
					t.Errorf("Batch payload target_ipv6 %v, want %q", got, tt.want)
				}
			})
		}
	}
}

// wireIPv6 returns the target_ipv6 value of p's one target as it is
// marshalled, nil when there is none.
func wireIPv6(t *testing.T, p signatures.Payload) any {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Targets []struct {
			SignatureValues []struct {
				Values []struct {
					Type  string `json:"signature_type"`
					Value any    `json:"signature_value"`
				} `json:"values"`
			} `json:"signature_values"`
		} `json:"targets"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Targets) != 1 || len(doc.Targets[0].SignatureValues) != 1 {
		t.Fatalf("payload %s: want one target and one group", b)
	}
	for _, v := range doc.Targets[0].SignatureValues[0].Values {
		if v.Type == "target_ipv6" {
			return v.Value
		}
	}
	return nil
}

// An IPv6 target refused for its zone is quoted as written when the zone
// is an interface name Linux allows and users meet (docker_gwbridge,
// veth_a, eth0.100, br-1a2b): the user sees which zone was refused,
// not "(not shown)", which is kept for what may be a secret.
func TestShownTargetQuotesAZonedAddress(t *testing.T) {
	for _, v := range []string{
		"fe80::1%eth0", "fe80::1%docker_gwbridge", "fe80::1%VETH_A", "fe80::1%eth0.100",
		"fe80::1%br-1a2b3c4d5e6f", "[fe80::1%veth_a]:22",
	} {
		if got, want := signatures.ShownTarget(v), `"`+v+`"`; got != want {
			t.Errorf("ShownTarget(%q) = %s, want %s", v, got, want)
		}
	}
	// '_' is a zone's only: a line of a secrets file is still withheld.
	for _, v := range []string{"API_TOKEN", "db_password:hunter2", "fe80::1_x%eth0"} {
		if got := signatures.ShownTarget(v); got != "(not shown)" {
			t.Errorf("ShownTarget(%q) = %s, want (not shown)", v, got)
		}
	}
}
