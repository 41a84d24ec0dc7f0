package openaev

import (
	"encoding/json"
	"slices"
	"testing"
)

// Manual targets drop repeats as the CLI does: any form of one address,
// a host name in any case or with its trailing dot, is one target, kept
// as first written.
func TestManualTargetsDropRepeatsAsTheCLI(t *testing.T) {
	tests := []struct {
		raw  string
		want []string
	}{
		{"::1,0:0:0:0:0:0:0:1,localhost,LOCALHOST", []string{"::1", "localhost"}},
		{"127.0.0.1, ::ffff:127.0.0.1", []string{"127.0.0.1"}},
		{"FD00::2,fd00::2,web.example.com.,Web.Example.com", []string{"FD00::2", "web.example.com."}},
		{"fe80::1%eth0,fe80::1%eth1", []string{"fe80::1%eth0", "fe80::1%eth1"}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			specs, err := manualTargets(tt.raw, DefaultMaxTargets)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range specs {
				got = append(got, s.Value)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("manualTargets(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

// An asset's value is in the canonical form the wire carries: an
// IPv4-mapped seen_ip is its IPv4 address, an IPv6 address compressed in
// lower case, a host name in lower case; a fully-qualified host name
// (trailing dot) is a host name, not a reason to fall back to the IP.
func TestAssetValueCanonical(t *testing.T) {
	tests := []struct {
		name string
		a    Asset
		prop string
		want string
	}{
		{"mapped seen_ip", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertySeenIP, "10.0.0.4"},
		{"mapped seen_ip, automatic", Asset{ID: "a", SeenIP: "::ffff:10.0.0.4", Agents: []string{"g"}}, PropertyAutomatic, "10.0.0.4"},
		{"upper-case ip", Asset{ID: "a", IPs: []string{" FD00:0:0::2 "}}, PropertyLocalIP, "fd00::2"},
		{"fully-qualified agentless", Asset{ID: "a", Hostname: "web.example.com.", SeenIP: "192.0.2.7"}, PropertyAutomatic, "web.example.com"},
		{"upper-case host name", Asset{ID: "a", Hostname: "WEB.Example.com"}, PropertyHostname, "web.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, why := assetValue(tt.a, tt.prop, nil); got != tt.want {
				t.Errorf("assetValue(%+v, %s) = %q (%s), want %q", tt.a, tt.prop, got, why, tt.want)
			}
		})
	}
}

// An asset skipped gets the reason that applies, naming the values it
// rejected: in automatic mode a valid host name of an asset with an
// agent is not used, which is not "no usable hostname".
func TestAssetValueSkipReason(t *testing.T) {
	tests := []struct {
		name    string
		a       Asset
		prop    string
		want    []string // each in the reason
		wantNot []string
	}{
		{"agent, localhost, loopback ip", Asset{ID: "L3", Hostname: "localhost", IPs: []string{"127.0.0.1"}, Agents: []string{"ag"}},
			PropertyAutomatic, []string{"has an agent", "127.0.0.1 is loopback", "hostname localhost only for agentless endpoints"},
			[]string{"no usable hostname", "no hostname"}},
		{"agent, hostname, loopback seen_ip and link-local ip", Asset{ID: "a", Hostname: "web01", SeenIP: "127.0.0.1", IPs: []string{"fe80::1"}, Agents: []string{"ag"}},
			PropertyAutomatic, []string{"has an agent", "127.0.0.1 is loopback", "fe80::1 is link-local", "hostname web01 "}, nil},
		{"no hostname, loopback ips", Asset{ID: "L4", IPs: []string{"127.0.0.1", "::1"}},
			PropertyAutomatic, []string{"no hostname", "no usable address: 127.0.0.1 and ::1 are loopback"}, []string{"agentless"}},
		{"nothing at all", Asset{ID: "k2", Agents: []string{"ag"}},
			PropertyAutomatic, []string{"no hostname", "no seen_ip or ip"}, nil},
		{"hostile hostname, no ip", Asset{ID: "h", Hostname: "-oN/x"},
			PropertyAutomatic, []string{`hostname "-oN/x" is not a valid target`, "no seen_ip or ip"}, []string{"agentless"}},
		{"seen_ip multicast", Asset{ID: "m", SeenIP: "224.0.0.1", Agents: []string{"ag"}},
			PropertySeenIP, []string{"seen_ip 224.0.0.1 is multicast"}, nil},
		{"local_ip loopback", Asset{ID: "l", IPs: []string{"127.0.0.1"}},
			PropertyLocalIP, []string{"no usable address: 127.0.0.1 is loopback"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkSkipped(t, tt.a, tt.prop, tt.want, tt.wantNot)
		})
	}
}

// TestContentStringForms checks what a content field reads as in each
// form a JSON value can take, and that a plain string (no escape, the
// targets and selectors the platform sends) is read with one allocation,
// the string itself, not through a json.Decoder and its buffer.
func TestContentStringForms(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr bool
		allocs  float64 // most allocations a read may take; 0: not checked
	}{
		{name: "plain string", raw: `"127.0.0.1"`, want: "127.0.0.1", allocs: 1},
		{name: "UTF-8", raw: `"héte.example"`, want: "héte.example", allocs: 1},
		{name: "empty string", raw: `""`, want: ""},
		{name: "escaped quote", raw: `"a\"b"`, want: `a"b`},
		{name: "unicode escape", raw: `"\u00e9"`, want: "é"},
		{name: "invalid UTF-8", raw: "\"a\xffb\"", want: "a\ufffdb"},
		{name: "control character", raw: "\"a\tb\"", wantErr: true},
		{name: "spaces around", raw: ` "x" `, want: "x"},
		{name: "bytes after the string", raw: `"a" "b"`, want: "a"},
		{name: "list of one", raw: `["manual"]`, want: "manual"},
		{name: "empty list", raw: `[]`, want: ""},
		{name: "list of two", raw: `["a","b"]`, wantErr: true},
		{name: "number", raw: `12.50`, want: "12.50"},
		{name: "boolean", raw: `true`, want: "true"},
		{name: "null", raw: `null`, want: ""},
		{name: "object", raw: `{"a":1}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Injection{Content: map[string]json.RawMessage{"targets": json.RawMessage(tt.raw)}}
			got, err := in.contentString("targets")
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("contentString(%s) = %q, %v; want %q, error %v", tt.raw, got, err, tt.want, tt.wantErr)
			}
			if tt.allocs == 0 {
				return
			}
			if n := testing.AllocsPerRun(100, func() { _, _ = in.contentString("targets") }); n > tt.allocs {
				t.Errorf("contentString(%s) allocated %.0f times, want at most %.0f", tt.raw, n, tt.allocs)
			}
		})
	}
}
