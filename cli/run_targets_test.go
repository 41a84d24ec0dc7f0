package cli_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// identities returns each target of the printed body as one string: its
// identity fields (and asset) in wire order.
func identities(t *testing.T, stdout string) []string {
	t.Helper()
	b := transporttest.ParseBody(t, []byte(stdout))
	var out []string
	for i, tg := range b.ExpectationSignature.Targets {
		v := b.Values(t, i, "DETECTION")
		var parts []string
		for _, k := range []string{"target_ipv4", "target_ipv6", "target_hostname", "cloud_provider", "cloud_account_id",
			"cloud_region", "target_service", "query"} {
			if s, ok := v[k].(string); ok {
				parts = append(parts, s)
			}
		}
		if tg.SignatureTarget.Asset != "" {
			parts = append(parts, "asset="+tg.SignatureTarget.Asset)
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func addresses(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

// Targets from flags, a targets file and an inject file: CIDR ranges
// expanded in order, duplicates dropped, cloud and external targets from
// flags.
func TestRunTargets(t *testing.T) {
	hosts := writeFile(t, "hosts.txt", "# lab\n10.0.0.1   # gateway\n\n10.0.0.0/30\nweb.example.com#web\nWEB.example.com\n")
	// As a Windows editor saves it: a byte order mark, CRLF line ends.
	windows := writeFile(t, "windows.txt", "\ufeff10.0.0.1\r\n# lab\r\nweb.example.com\r\n")
	inject := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"192.0.2.0/31","asset":"a1"},{"target_ipv6":"2001:db8::/127"}]}`)
	dups := writeFile(t, "dups.json", `{"injector":"noop","targets":[
{"value":"10.0.0.4"},
{"target_ipv4":"10.0.0.4"},
{"target_ipv4":"10.0.0.4","asset":"a1"},
{"target_ipv6":"::ffff:10.0.0.4","asset":"a1"},
{"target_ipv6":"::FFFF:10.0.0.4"},
{"value":"web.example.com"},
{"target_hostname":"WEB.example.com."}]}`)
	zones := writeFile(t, "zones.json", `{"injector":"noop","targets":[
{"value":"fe80::1%eth0"},{"target_ipv6":"FE80::1%eth0"},{"target_ipv6":"fe80::1%2"},{"value":"fe80::1%eth0","asset":"a1"}]}`)
	tests := []struct {
		name string
		args []string
		want []string
		info string // a line of stderr
	}{
		{"IPv4 range, every address", []string{"--target", "10.0.0.0/30"}, []string{"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"}, ""},
		{"IPv6 range", []string{"--target", "2001:db8::/126"}, []string{"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}, ""},
		{"host bits set", []string{"--target", "10.0.0.5/31"}, []string{"10.0.0.4", "10.0.0.5"}, ""},
		{"a /24 is 256 targets", []string{"--target", "10.1.2.0/24"}, addresses("10.1.2.", 256), ""},
		{"exactly --max-targets", []string{"--target", "10.0.0.0/30", "--max-targets", "4"}, []string{"10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"}, ""},
		{"targets file: comments, ranges, duplicates", []string{"--targets-file", hosts},
			[]string{"10.0.0.1", "10.0.0.0", "10.0.0.2", "10.0.0.3", "web.example.com"},
			`WARN	duplicate targets dropped	{"dropped": 2, "first": "10.0.0.1 at ` + hosts + `:4 (first at ` + hosts + `:2)", "targets": 5}`},
		{"targets file from a Windows editor", []string{"--targets-file", windows}, []string{"10.0.0.1", "web.example.com"}, ""},
		{"flags and file together", []string{"--target", "10.0.0.3", "--targets-file", hosts},
			[]string{"10.0.0.3", "10.0.0.1", "10.0.0.0", "10.0.0.2", "web.example.com"},
			`"dropped": 3, "first": "10.0.0.1 at ` + hosts + `:4 (first at ` + hosts + `:2)"`},
		{"a duplicate of a flag", []string{"--target", "10.0.0.2", "--target", "10.0.0.0/31", "--target", "10.0.0.2"},
			[]string{"10.0.0.2", "10.0.0.0", "10.0.0.1"}, `"dropped": 1, "first": "10.0.0.2 at --target #3 (first at --target #1)"`},
		{"inject file ranges keep their attribution", []string{"--inject-file", inject},
			[]string{"192.0.2.0 asset=a1", "192.0.2.1 asset=a1", "2001:db8::", "2001:db8::1"}, ""},
		{"flags replace the inject file's targets", []string{"--inject-file", inject, "--target", "::1"}, []string{"::1"}, ""},
		// One canonical form on the wire: an IPv4-mapped address is its IPv4
		// address, an IPv6 address compressed in lower case, a host name in
		// lower case without its trailing dot; its repeats in other forms
		// are dropped, named as written.
		{"canonical forms", []string{"--target", "::ffff:127.0.0.1", "--target", "0:0:0:0:0:0:0:1", "--target", "FD00::2",
			"--target", "LocalHost.", "--target", "127.0.0.1", "--target", "::1", "--target", "localhost"},
			[]string{"127.0.0.1", "::1", "fd00::2", "localhost"},
			`"dropped": 3, "first": "127.0.0.1 at --target #5 (first at --target #1)"`},
		{"canonical forms, inject file", []string{"--inject-file", writeFile(t, "canon.json",
			`{"injector":"noop","targets":[{"target_ipv6":"::FFFF:10.0.0.4","asset":"a1"},{"target_ipv6":"2001:DB8::0:1"},{"target_hostname":"WEB.example.com."},{"value":"fe80::A%eth0"}]}`)},
			[]string{"10.0.0.4 asset=a1", "2001:db8::1", "web.example.com", "fe80::a"}, ""},
		// An inject file's targets are deduplicated as the flags' are,
		// whichever field holds the address; an attribution makes a
		// target of its own. The WARN names where the first duplicate
		// was written and where the target it repeats was.
		{"inject file duplicates", []string{"--inject-file", dups},
			[]string{"10.0.0.4", "10.0.0.4 asset=a1", "web.example.com"},
			`WARN	duplicate targets dropped	{"dropped": 4, "first": "10.0.0.4 at inject file ` + dups + `:3: targets[1] (first at inject file ` + dups + `:2: targets[0])", "targets": 3}`},
		// IPv6 zones: the same address and zone, however the address is
		// spelled, is one target; another zone, or none, another. The
		// wire carries the address alone (the zone names an interface of
		// the scanner, which no defence logs): the targets kept are told
		// apart by their number and the WARN naming the one dropped.
		{"zones, flags", []string{"--target", "fe80::1%eth0", "--target", "FE80:0::1%eth0", "--target", "fe80::1%eth1",
			"--target", "fe80::1", "--target", "fe80::1%ETH0", "--target", "fe80::0:1%eth1"},
			[]string{"fe80::1", "fe80::1", "fe80::1", "fe80::1"},
			`"dropped": 2, "first": "FE80:0::1%eth0 at --target #2 (first at --target #1)"`},
		{"zones, inject file", []string{"--inject-file", zones},
			[]string{"fe80::1", "fe80::1", "fe80::1 asset=a1"},
			`"dropped": 1, "first": "FE80::1%eth0 at inject file ` + zones + `:2: targets[1] (first at inject file ` + zones + `:2: targets[0])"`},
		{"queries", []string{"--query", "apache", "--query", `product:"nginx"`}, []string{"apache", `product:"nginx"`}, ""},
		{"queries narrowed to targets", []string{"--query", "apache", "--query", "nginx", "--target", "192.0.2.7", "--target", "www.example.com"},
			[]string{"192.0.2.7 apache", "www.example.com apache", "192.0.2.7 nginx", "www.example.com nginx"}, ""},
		{"cloud regions and services", []string{"--cloud-provider", "aws", "--cloud-account", "123456789012",
			"--cloud-region", "eu-west-1", "--cloud-region", "us-east-1", "--target-service", "s3"},
			[]string{"aws 123456789012 eu-west-1 s3", "aws 123456789012 us-east-1 s3"}, ""},
		{"cloud, every service", []string{"--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"},
			[]string{"aws 123456789012 eu-west-1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append([]string{"run", "noop"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			got := identities(t, r.stdout)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if !strings.Contains(r.stderr, tt.info) || (tt.info == "" && strings.Contains(r.stderr, "duplicate")) {
				t.Errorf("stderr does not say %q:\n%s", tt.info, r.stderr)
			}
		})
	}
}

// Targets of another category than the injector's get a hint naming the
// flags that give its own.
func TestRunCategoryHint(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("cloudy", func() framework.Executor { return &frameworktest.Executor{Category: framework.Cloud} })
		r.Register("queries", func() framework.Executor { return &frameworktest.Executor{Category: framework.External} })
	})
	tests := []struct{ name, injector, hint string }{
		{"cloud", "cloudy", "injectkit: hint: give cloud targets with --cloud-provider, --cloud-account and --cloud-region"},
		{"external", "queries", "injectkit: hint: give external targets with --query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, profile := range []string{"callback", "openaev"} {
				r := run(t, reg, nil, "run", tt.injector, "--target", "10.0.0.1", "--profile", profile, "--log-level", "error")
				if r.code != 2 || !strings.Contains(r.stderr, "takes "+tt.name+" targets") || !strings.Contains(r.stderr, tt.hint) {
					t.Errorf("%s: exit %d, stderr %s", profile, r.code, r.stderr)
				}
			}
		})
	}
}
