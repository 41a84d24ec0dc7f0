package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev"
)

// -asset-groups defines the members of asset groups: the platform's
// endpoint pages list a group's endpoints as the file gives them, and a
// group the file does not define gets an empty page, as the platform
// answers one it does not know.
func TestAssetGroupsFlagDefinesMembers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "groups.json")
	const groups = `{
  "g-servers": [
    {"asset_id": "s1", "endpoint_ips": ["192.0.2.1"], "asset_agents": [{"agent_id": "ag1", "agent_active": true}]},
    {"asset_id": "s2", "endpoint_hostname": "web01", "endpoint_ips": ["192.0.2.2"], "endpoint_seen_ip": "198.51.100.2"}
  ],
  "g-empty": []
}`
	if err := os.WriteFile(file, []byte(groups), 0o600); err != nil {
		t.Fatal(err)
	}
	url, stop := start(t, "-token", "tok", "-asset-groups", file)
	ctx := context.Background()
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: "tok", InjectorID: standinInjectorID,
		InjectorName: "test", InjectorType: "injectkit"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		group string
		want  []openaev.Asset
	}{
		// In the order the profile's sort gives (openaevtest's rule 10):
		// no name either, then by host name, s1's null last.
		{"g-servers", []openaev.Asset{{ID: "s2", Hostname: "web01", IPs: []string{"192.0.2.2"}, SeenIP: "198.51.100.2"},
			{ID: "s1", IPs: []string{"192.0.2.1"}, Agents: []string{"ag1"}}}},
		{"g-empty", nil},
		{"g-unknown", nil},
	}
	for _, tt := range tests {
		got, err := c.GroupAssets(ctx, tt.group)
		if err != nil {
			t.Fatalf("group %s: %v", tt.group, err)
		}
		if !slices.EqualFunc(got, tt.want, func(a, b openaev.Asset) bool {
			return a.ID == b.ID && a.Hostname == b.Hostname && a.SeenIP == b.SeenIP &&
				slices.Equal(a.IPs, b.IPs) && slices.Equal(a.Agents, b.Agents)
		}) {
			t.Errorf("group %s pages %+v, want %+v", tt.group, got, tt.want)
		}
	}
	stop()
}

// A bad -asset-groups file exits 2 before the stand-in starts, naming the
// file, the line and the key or value at fault.
func TestAssetGroupsFlagRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // in the error, after the file name
	}{
		{"not an object", `["g"]`, []string{":1:", "give an object"}},
		{"syntax", "{\n \"g\": [\n  {\"asset_id\": \"a\",}\n ]\n}", []string{":3:", "invalid character"}},
		{"unknown key", "{\"g\": [\n {\"asset_id\": \"a\"},\n {\"asset_id\": \"b\", \"endpoint_ip\": \"192.0.2.1\"}\n]}",
			[]string{":3:", `"g" endpoint 1`, `unknown key "endpoint_ip"`}},
		{"blank id", "{\"g\": [{\"endpoint_ips\": [\"192.0.2.1\"]}]}", []string{":1:", "asset_id"}},
		{"ips not strings", "{\"g\": [{\"asset_id\": \"a\", \"endpoint_ips\": [1]}]}", []string{":1:", "endpoint_ips [1]"}},
		{"agent without id", "{\"g\": [{\"asset_id\": \"a\", \"asset_agents\": [{\"agent_active\": true}]}]}",
			[]string{"asset_agents[0].agent_id"}},
		{"group twice", "{\"g\": [],\n \"g\": []}", []string{":2:", `"g": given twice`}},
		{"group not a list", `{"g": {"asset_id": "a"}}`, []string{"a list of endpoints"}},
		{"two values", `{} {}`, []string{"more than one JSON value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "groups.json")
			if err := os.WriteFile(file, []byte(tt.body), 0o600); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"-asset-groups", file}, io.Discard, &stderr)
			var ue cmdkit.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("run = %v, want a usage error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "-asset-groups "+file+":") {
				t.Errorf("error %q does not name the flag and the file", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(stderr.String(), "openaev stand-in on") {
				t.Error("the stand-in started")
			}
		})
	}
}
