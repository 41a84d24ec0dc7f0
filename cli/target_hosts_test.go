package cli_test

import (
	"fmt"
	"strings"
	"testing"

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

// A CIDR range in a platform message's manual targets is refused as a
// range (exit 2, the field and the value named), not as a bad host name;
// nothing runs.
func TestRunOpenAEVManualRangeRefused(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	for _, v := range []string{"10.0.0.0/16", "127.0.0.1, 2001:db8::/120"} {
		msg := writeFile(t, "m.json", `{"injection":{"inject_id":"inj-r","inject_injector_contract":{"injector_contract_id":"`+
			openaev.ContractID("scanner")+`"},"inject_content":{"target_selector":"manual","targets":"`+v+`"}}}`)
		r := run(t, reg, nil, "run", "--openaev-message", msg, "--log-level", "error")
		rng, item := strings.TrimSpace(v[strings.LastIndexByte(v, ',')+1:]), ""
		if rng != v {
			item = "item 2 of 2: " // which of several the range is
		}
		if want := fmt.Sprintf(`invalid inject_content.targets %q: %sranges are not accepted in platform manual targets`, rng, item); r.code != 2 ||
			!strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "host name may hold") {
			t.Errorf("targets %q: exit %d, stderr:\n%s\nwant 2 and %q", v, r.code, r.stderr, want)
		}
	}
	if calls := scanner.Calls(); len(calls) != 0 {
		t.Fatalf("the injector ran %d times over a refused range", len(calls))
	}
}
