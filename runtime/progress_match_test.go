package runtime

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// Partial results name their targets in each reference injector's words.
func TestTargetMatcher(t *testing.T) {
	net := func(vs ...string) []framework.Target {
		var out []framework.Target
		for _, v := range vs {
			out = append(out, framework.Target{Config: signatures.ClassifyNetworkTarget(v)})
		}
		return out
	}
	tests := []struct {
		name    string
		targets []framework.Target
		results []string
		want    int
	}{
		{"nmap ports", net("10.0.0.1", "10.0.0.2"), []string{"10.0.0.1:22/tcp open ssh", "10.0.0.1:80/tcp open http"}, 1},
		{"a longer address is another", net("10.0.0.1"), []string{"10.0.0.10:22/tcp open ssh"}, 0},
		{"nmap no open port", net("10.0.0.1", "10.0.0.2"), []string{"10.0.0.2: no open port"}, 1},
		{"bracketed IPv6 in another form", net("2001:DB8:0::1"), []string{"[2001:db8::1]:22/tcp open ssh"}, 1},
		{"host name before a port", net("Web.Example.com"), []string{"web.example.com:443/tcp open https"}, 1},
		{"noop pending", net("127.0.0.1", "::1"), []string{"127.0.0.1 pending", "::1 pending"}, 2},
		{"query narrowed", []framework.Target{
			{Config: signatures.ExternalConfig{Query: "apache", TargetIPv4: "1.2.3.4"}},
			{Config: signatures.ExternalConfig{Query: "nginx"}},
		}, []string{"apache ip:1.2.3.4: 3 of 10 matches"}, 1},
		{"query with a colon", []framework.Target{{Config: signatures.ExternalConfig{Query: "port:22 org: acme"}}},
			[]string{"port:22 org: acme: 0 of 0 matches"}, 1},
		{"cloud region", []framework.Target{
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}},
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "us-east-1"}},
		}, []string{"aws eu-west-1 s3: 2 findings, 0 errors"}, 1},
		{"cloud service", []framework.Target{
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1", TargetService: "ec2"}},
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1", TargetService: "s3"}},
		}, []string{"aws eu-west-1 s3: 2 findings, 0 errors"}, 1},
		{"a global service checked for every target", []framework.Target{
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}},
			{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "us-east-1"}},
		}, []string{"aws global iam: 1 finding, 0 errors"}, 2},
		{"nothing named", net("10.0.0.1"), []string{"scan 50% done"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTargetMatcher(tt.targets)
			for _, r := range tt.results {
				m.add(r)
			}
			if m.reported != tt.want {
				t.Errorf("reported %d, want %d", m.reported, tt.want)
			}
		})
	}
}
