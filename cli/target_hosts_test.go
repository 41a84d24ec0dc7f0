package cli_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

// An address that names no one host (unspecified: nmap would scan the
// injector's own host; limited broadcast; multicast) is refused as a
// network target from every intake, a CIDR range that holds one too,
// with exit 2 naming where it was written and the value, before anything
// runs. Loopback stays a target (the demo and the tests scan 127.0.0.1).
func TestRunRefusesAddressesThatAreNoHost(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	hosts := writeFile(t, "hosts.txt", "127.0.0.1\n255.255.255.255\n")
	inject := func(target string) []string {
		return []string{"--inject-file", writeFile(t, "inject.json", `{"injector":"scanner","targets":[{"value":"127.0.0.1"},`+target+`]}`)}
	}
	const unspecified, broadcast, multicast = "an unspecified address", "the limited broadcast address", "a multicast address"
	tests := []refusal{
		{name: "IPv4 unspecified", args: []string{"--target", "0.0.0.0"}, want: `invalid --target "0.0.0.0": ` + unspecified},
		{name: "IPv6 unspecified", args: []string{"--target", "::"}, want: `invalid --target "::": ` + unspecified},
		{name: "mapped unspecified", args: []string{"--target", "::ffff:0.0.0.0"}, want: `invalid --target "::ffff:0.0.0.0": ` + unspecified},
		{name: "broadcast", args: []string{"--target", "255.255.255.255"}, want: `invalid --target "255.255.255.255": ` + broadcast},
		{name: "IPv4 multicast", args: []string{"--target", "224.0.0.251"}, want: `invalid --target "224.0.0.251": ` + multicast},
		{name: "IPv6 multicast", args: []string{"--target", "ff02::1"}, want: `invalid --target "ff02::1": ` + multicast},
		{name: "IPv6 multicast with a zone", args: []string{"--target", "ff02::1%eth0"}, want: `invalid --target "ff02::1%eth0": ` + multicast},
		{name: "IPv4-compatible", args: []string{"--target", "::127.0.0.1"},
			want: `invalid --target "::127.0.0.1": an IPv4-compatible IPv6 address (deprecated, RFC 4291 2.5.5.1) is not a host to scan: it is the IPv6 address ::7f00:1, not the IPv4 address 127.0.0.1`},
		{name: "IPv4-compatible range", args: []string{"--target", "::10.0.0.0/126"},
			want: `invalid --target "::10.0.0.0/126": the range holds ::a00:0: an IPv4-compatible IPv6 address`},
		{name: "IPv4-compatible in the inject file", args: inject(`{"target_ipv6":"::192.168.1.1"}`),
			want: `: invalid targets[1].target_ipv6 "::192.168.1.1": an IPv4-compatible IPv6 address`},
		{name: "openaev profile", args: []string{"--profile", "openaev", "--target", "0.0.0.0"}, want: `invalid --target "0.0.0.0": ` + unspecified},
		{name: "env", env: map[string]string{"INJECTKIT_TARGET": "127.0.0.1,239.255.255.250"},
			want: `invalid target #2 "239.255.255.250" (env INJECTKIT_TARGET): ` + multicast},
		{name: "targets file", args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target "255.255.255.255": ` + broadcast},
		{name: "inject file value", args: inject(`{"value":"::"}`), want: `: invalid targets[1].value "::": ` + unspecified},
		{name: "inject file target_ipv4", args: inject(`{"target_ipv4":"0.0.0.0"}`), want: `: invalid targets[1].target_ipv4 "0.0.0.0": ` + unspecified},
		{name: "inject file target_ipv6", args: inject(`{"target_ipv6":"ff05::2"}`), want: `: invalid targets[1].target_ipv6 "ff05::2": ` + multicast},
		{name: "range from the unspecified address", args: []string{"--target", "0.0.0.0/30"},
			want: `invalid --target "0.0.0.0/30": the range holds 0.0.0.0: ` + unspecified},
		{name: "range up to broadcast", args: []string{"--target", "255.255.255.252/30"},
			want: `invalid --target "255.255.255.252/30": the range holds 255.255.255.255: ` + broadcast},
		{name: "multicast range", args: []string{"--target", "239.255.255.0/24"},
			want: `invalid --target "239.255.255.0/24": the range holds 239.255.255.0: ` + multicast},
		{name: "IPv6 multicast range", args: []string{"--target", "ff02::/126"},
			want: `invalid --target "ff02::/126": the range holds ff02::: ` + multicast},
		{name: "inject file range", args: inject(`{"target_ipv4":"223.255.255.254/31"},{"target_ipv4":"224.0.0.0/31"}`),
			want: `: invalid targets[2].target_ipv4 "224.0.0.0/31": the range holds 224.0.0.0: ` + multicast},
	}
	wantRefused(t, reg, nil, []string{"scanner"}, "", tests)

	contract := openaev.ContractID("scanner")
	for _, v := range []string{"0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "ff02::1"} {
		msg := writeFile(t, "m.json", fmt.Sprintf(`{"injection":{"inject_id":"inj-h","inject_injector_contract":{"injector_contract_id":%q},`+
			`"inject_content":{"target_selector":"manual","targets":"127.0.0.1,%s"}}}`, contract, v))
		r := run(t, reg, nil, "run", "--openaev-message", msg, "--log-level", "error")
		if want := fmt.Sprintf(`invalid inject_content.targets %q: `, v); r.code != 2 || !strings.Contains(r.stderr, want) ||
			!strings.Contains(r.stderr, "is not a host to scan") {
			t.Errorf("message with manual target %s: exit %d, stderr:\n%s\nwant 2 and %q", v, r.code, r.stderr, want)
		}
	}
	if calls := scanner.Calls(); len(calls) != 0 {
		t.Fatalf("the injector ran %d times over a refused target", len(calls))
	}

	r := run(t, reg, nil, "run", "scanner", "--target", "127.0.0.1", "--target", "::1", "--target", "fe80::1%lo", "--log-level", "error")
	if r.code != 0 || len(scanner.Calls()) != 1 {
		t.Errorf("loopback and link-local targets: exit %d, %d runs, want 0 and 1: %s", r.code, len(scanner.Calls()), r.stderr)
	}
}

// An IPv6 zone longer than an interface name (15 bytes) is refused from
// every intake, exit 2 naming where and the value cut short, before
// anything runs; it never reaches the injector nor the signatures.
func TestRunRefusesLongZone(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	long := "fe80::1%" + strings.Repeat("a", 3000)
	shown := `"` + long[:signatures.MaxQuoted] + `…"`
	hosts := writeFile(t, "hosts.txt", "::1\n"+long+"\n")
	injectFile := writeFile(t, "inject.json", `{"injector":"scanner","targets":[{"target_ipv6":"`+long+`"}]}`)
	const reason = "zone longer than 15 characters"
	tests := []refusal{
		{name: "flag", args: []string{"--target", long}, want: `invalid --target ` + shown + `: ` + reason},
		{name: "env", env: map[string]string{"INJECTKIT_TARGET": long}, want: `invalid target ` + shown + ` (env INJECTKIT_TARGET): ` + reason},
		{name: "targets file", args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target ` + shown + `: ` + reason},
		{name: "inject file", args: []string{"--inject-file", injectFile}, want: `: invalid targets[0].target_ipv6 ` + shown + `: ` + reason},
		{name: "openaev profile", args: []string{"--profile", "openaev", "--target", long}, want: `invalid --target ` + shown + `: ` + reason},
	}
	wantRefused(t, reg, nil, []string{"scanner"}, long[:signatures.MaxQuoted+1], tests)

	msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-z","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("scanner")+`"},"inject_content":{"target_selector":"manual","targets":"`+long+`"}}}`)
	r := run(t, reg, nil, "run", "--openaev-message", msg, "--log-level", "error")
	if want := `invalid inject_content.targets ` + shown + `: ` + reason; r.code != 2 || !strings.Contains(r.stderr, want) ||
		strings.Contains(r.stdout+r.stderr, long[:signatures.MaxQuoted+1]) {
		t.Errorf("message: exit %d, stderr:\n%s\nwant 2 and %q, the value never whole", r.code, r.stderr, want)
	}
	if calls := scanner.Calls(); len(calls) != 0 {
		t.Fatalf("the injector ran %d times over a refused zone", len(calls))
	}
	zone15 := "fe80::1%" + strings.Repeat("a", 15)
	if r := run(t, reg, nil, "validate", "scanner", "--target", zone15, "--log-level", "error"); r.code != 0 {
		t.Errorf("a zone of 15: exit %d, want 0: %s", r.code, r.stderr)
	}
}

// An IPv6 address with a '%' and no zone (fe80::1%) is refused from every
// intake as that, exit 2 naming where and the value, not judged as a host
// name ("host name may hold only letters, …"); nothing runs.
func TestRunRefusesEmptyZone(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	hosts := writeFile(t, "hosts.txt", "::1\nfe80::1%\n")
	value := writeFile(t, "value.json", `{"injector":"scanner","targets":[{"value":"fe80::1%"}]}`)
	v6 := writeFile(t, "v6.json", `{"injector":"scanner","targets":[{"target_ipv6":"::ffff:10.0.0.1%"}]}`)
	reason := signatures.ReasonEmptyZone
	tests := []refusal{
		{name: "flag", args: []string{"--target", "fe80::1%"}, want: `invalid --target "fe80::1%": ` + reason},
		{name: "env", env: map[string]string{"INJECTKIT_TARGET": "FE80::1%"}, want: `invalid target "FE80::1%" (env INJECTKIT_TARGET): ` + reason},
		{name: "targets file", args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target "fe80::1%": ` + reason},
		{name: "inject file value", args: []string{"--inject-file", value}, want: `: invalid targets[0].value "fe80::1%": ` + reason},
		{name: "inject file target_ipv6", args: []string{"--inject-file", v6}, want: `: invalid targets[0].target_ipv6 "::ffff:10.0.0.1%": ` + reason},
		{name: "openaev profile", args: []string{"--profile", "openaev", "--target", "fe80::1%"}, want: `invalid --target "fe80::1%": ` + reason},
	}
	wantRefused(t, reg, nil, []string{"scanner"}, "host name", tests)
	if calls := scanner.Calls(); len(calls) != 0 {
		t.Fatalf("the injector ran %d times over an empty zone", len(calls))
	}
}

// A CIDR range in a platform message's manual targets expands as
// --target's does, one target per address (the platform's own nmap
// injector hands the range to nmap, which scans each); a range past
// --max-targets and a value holding "/" that is no range are refused
// (exit 2, the field, the item and the reason named) and nothing runs.
func TestRunOpenAEVManualRange(t *testing.T) {
	message := func(targets string) string {
		return writeFile(t, "m.json", `{"injection":{"inject_id":"inj-r","inject_injector_contract":{"injector_contract_id":"`+
			openaev.ContractID("scanner")+`"},"inject_content":{"target_selector":"manual","targets":"`+targets+`"}}}`)
	}
	t.Run("expands", func(t *testing.T) {
		scanner := &frameworktest.Executor{Category: framework.Network}
		r := run(t, withFake("scanner", scanner), nil, "run", "--openaev-message", message("127.0.0.9, 127.0.0.8/30"),
			"--log-level", "error", "-o", "json")
		calls := scanner.Calls()
		if r.code != 0 || len(calls) != 1 {
			t.Fatalf("exit %d, %d runs, stderr:\n%s", r.code, len(calls), r.stderr)
		}
		var got []string
		for _, tg := range calls[0].Targets {
			nc, _ := tg.Network()
			got = append(got, nc.Value())
		}
		if want := []string{"127.0.0.9", "127.0.0.8", "127.0.0.10", "127.0.0.11"}; !slices.Equal(got, want) {
			t.Errorf("targets %q, want %q: the range's addresses in order, a repeat dropped", got, want)
		}
	})
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	for _, tt := range []struct{ targets, max, want string }{
		{"127.0.0.0/8", "65536", `invalid inject_content.targets "127.0.0.0/8": a range of 16777216 addresses, more than max_targets (65536)`},
		{"127.0.0.1, 127.0.0.0/30", "4", `invalid inject_content.targets "127.0.0.0/30": item 2 of 2: a range of 4 addresses, 5 targets with the items before it, more than max_targets (4)`},
		{"127.0.0.1, 10.0.0.0/33", "65536", `invalid inject_content.targets "10.0.0.0/33": item 2 of 2: ` + signatures.NotARange},
	} {
		r := run(t, reg, nil, "run", "--openaev-message", message(tt.targets), "--max-targets", tt.max, "--log-level", "error")
		if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("targets %q: exit %d, stderr:\n%s\nwant 2 and %q", tt.targets, r.code, r.stderr, tt.want)
		}
	}
	if calls := scanner.Calls(); len(calls) != 0 {
		t.Fatalf("the injector ran %d times over a refused range", len(calls))
	}
}

// testHosts are the host names the cli's tests resolve, with their
// addresses (documentation and loopback ones): every run and serve of a
// test resolves with a hostsResolver over them, never the system resolver.
var testHosts = map[string][]string{"localhost": {"127.0.0.1", "::1"}}

// hostsResolver is the runtime's resolver in a test (cli.WithHosts): it
// answers the names it was given, the machine's own name does not resolve
// (the source address is CONTAINER_IP's, or an interface's), and any
// other name fails the test: with the system resolver it would have been
// a DNS query off loopback. It records the names asked.
type hostsResolver struct {
	t     *testing.T
	hosts map[string][]string
	self  string

	mu    sync.Mutex
	asked []string
}

func newHostsResolver(t *testing.T, hosts map[string][]string) *hostsResolver {
	self, _ := os.Hostname()
	return &hostsResolver{t: t, hosts: hosts, self: self}
}

// LookupHost is signatures.Resolver.LookupHost.
func (r *hostsResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	r.mu.Lock()
	r.asked = append(r.asked, host)
	r.mu.Unlock()
	if addrs, ok := r.hosts[host]; ok {
		return slices.Clone(addrs), nil
	}
	if host != r.self {
		r.t.Errorf("host name %q looked up: the test's resolver was not given it (with the system resolver, a DNS query)", host)
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Asked reports whether host was looked up.
func (r *hostsResolver) Asked(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.asked, host)
}

// scanner is a fake executor that sends to its targets' addresses, as
// nmap does (framework.DirectSender): the host names of its assets are
// resolved before the run.
type scanner struct{ *frameworktest.Executor }

func (scanner) SendsToTargets() bool { return true }

// A run resolves the host names of a scanner's assets with the runtime's
// resolver, the one a test gives (cli.WithHosts): a name it maps to
// loopback only is skipped, one it maps to a usable address is run on.
// The names are under .onion (RFC 7686), which the system resolver
// refuses without a query: a run that missed the test's resolver would
// send none either.
func TestRunResolvesAssetHostsWithTheTestsResolver(t *testing.T) {
	hosts := map[string][]string{"web01.onion": {"192.0.2.10"}, "loop.onion": {"127.0.0.1"}}
	tests := []struct {
		host string
		code int
		want string // in stdout, else in stderr
	}{
		{"web01.onion", cli.ExitOK, "scanner on web01.onion: succeeded"},
		{"loop.onion", cli.ExitUsage, "hostname loop.onion resolves to no usable address (127.0.0.1 is loopback)"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			reg := registry(func(r *framework.Registry) {
				r.Register("scanner", func() framework.Executor {
					return scanner{&frameworktest.Executor{Category: framework.Network}}
				})
			})
			msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-hosts","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("scanner")+`"},"inject_content":{"target_selector":"assets","target_property_selector":"hostname",
				"expectations":[{"expectation_type":"DETECTION"}]}},
				"assets":[{"asset_id":"a1","asset_name":"one","asset_hostname":"`+tt.host+`","asset_ips":["192.0.2.1"],"asset_agents":[{"agent_id":"ag"}]}]}`)
			s := newSession(false, false)
			s.hosts = newHostsResolver(t, hosts)
			r := s.run(t, reg, "run", "scanner", "--openaev-message", msg, "--log-level", "error")
			if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.want) {
				t.Errorf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", r.code, tt.code, tt.want, r.stdout, r.stderr)
			}
			if !s.hosts.Asked(tt.host) {
				t.Errorf("%s not resolved by the test's resolver", tt.host)
			}
		})
	}
}
