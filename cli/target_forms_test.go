package cli_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/openaev"
)

// A refused target value is named in one form per source, whatever
// refused it (the parse, the blank rule, the injector): the flag alone
// (invalid --target "v": …), the key then the environment variable or
// the config file's line (invalid target "v" (env INJECTKIT_TARGET): …),
// the targets file's line first (hosts.txt:2: invalid target "v": …).
func TestTargetRefusalNamedOneFormPerSource(t *testing.T) {
	reg := registry(withNmapScanner, func(r *framework.Registry) {
		r.Register("cloudscan", func() framework.Executor { return cloudscan.New() })
	})
	cloud := []string{"--cloud-provider", "aws", "--cloud-account", "123456789012"}
	settings := []struct {
		key, injector string
		args          []string // the other settings the target needs
		first         string   // a good value before the refused one in a config file list
		refused       map[string]string
	}{
		{"target", "nmap", nil, "127.0.0.1",
			map[string]string{"parse": "a b", "blank": "", "injector": "0x7f000001"}},
		{"query", "noop", nil, "apache",
			map[string]string{"parse": "a\x01b", "blank": " "}}, // INJECTKIT_QUERY is one query: commas are its own
		{"cloud_region", "cloudscan", cloud, "eu-west-1",
			map[string]string{"parse": "-eu", "blank": "", "injector": "mars-1"}},
		{"target_service", "cloudscan", append(cloud[:4:4], "--cloud-region", "eu-west-1"), "s3",
			map[string]string{"parse": "-s3", "blank": "", "injector": "bogus"}},
	}
	for _, s := range settings {
		flag := "--" + strings.ReplaceAll(s.key, "_", "-")
		env := "INJECTKIT_" + strings.ToUpper(s.key)
		for kind, v := range s.refused {
			envValue, envAt := s.first+","+v, ""
			if s.key == "target" && kind != "blank" {
				envAt = " #2" // the second of the variable's targets
			}
			if s.key == "query" {
				envValue = v
			}
			cfg := writeFile(t, "c.yaml", fmt.Sprintf("%s:\n  - %s\n  - %s\n", s.key, s.first, strconv.Quote(v)))
			sources := []refusal{
				{"flag", nil, []string{flag, v}, fmt.Sprintf("invalid %s %q: ", flag, v)},
				{"env", map[string]string{env: envValue}, nil, fmt.Sprintf("invalid %s%s %q (env %s): ", s.key, envAt, v, env)},
				{"config", nil, []string{"--config", cfg}, fmt.Sprintf("invalid %s %q (config file %s:3): ", s.key, v, cfg)},
			}
			if kind == "blank" && s.key == "target" {
				sources = sources[1:] // an item of a variable is blank beside another
			}
			for _, src := range sources {
				t.Run(s.key+"/"+kind+"/"+src.name, func(t *testing.T) {
					for _, cmd := range [][]string{{"validate"}, {"run", "--profile", "openaev"}} {
						args := append(append(append(append([]string{}, cmd[:1]...), s.injector), cmd[1:]...), "--log-level", "error")
						r := run(t, reg, src.env, append(append(args, s.args...), src.args...)...)
						if r.code != 2 || !strings.Contains(r.stderr, src.want) {
							t.Errorf("%v: exit %d, stderr:\n%s\nwant 2 and %q", cmd, r.code, r.stderr, src.want)
						}
					}
				})
			}
		}
	}
}

// White space around a target is dropped in every intake, as a targets
// file's line is trimmed: --target ' 127.0.0.1 ', the environment's list
// and an inject file's {"value":" 127.0.0.1 "} send the same signatures.
// A cloud provider and account, their flags (as every setting's value,
// TestSettingValuesReadAlike) and the inject file's alike, are read
// without the white space around them; white space inside is refused.
func TestTargetWhiteSpaceOneRule(t *testing.T) {
	file := func(target string) string {
		return writeFile(t, "inject.json", `{"injector":"noop","targets":[`+target+`]}`)
	}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string // in stdout (exit 0) or stderr
	}{
		{"--target", nil, []string{"run", "noop", "--target", " 127.0.0.1 "}, 0, `"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"INJECTKIT_TARGET", map[string]string{"INJECTKIT_TARGET": " 127.0.0.1 "}, []string{"run", "noop"}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"targets file", nil, []string{"run", "noop", "--targets-file", writeFile(t, "hosts.txt", " 127.0.0.1 \n")}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file value", nil, []string{"run", "--inject-file", file(`{"value":" 127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"inject file target_ipv4", nil, []string{"run", "--inject-file", file(`{"target_ipv4":"\t127.0.0.1 "}`)}, 0,
			`"signature_type":"target_ipv4","signature_value":"127.0.0.1"`},
		{"--cloud-provider", nil, []string{"validate", "noop", "--cloud-provider", " aws ", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 0,
			`valid: noop on 1 cloud target`},
		{"--cloud-provider, white space inside", nil, []string{"validate", "noop", "--cloud-provider", "a ws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"}, 2,
			`invalid --cloud-provider "a ws": must not hold white space`},
		{"--cloud-account", nil, []string{"run", "noop", "--cloud-provider", "aws", "--cloud-account", " 123456789012", "--cloud-region", "eu-west-1"}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider and cloud_account_id", nil, []string{"run", "--inject-file",
			file(`{"cloud_provider":" aws ","cloud_account_id":"123456789012 ","cloud_region":"eu-west-1"}`)}, 0,
			`"signature_type":"cloud_account_id","signature_value":"123456789012"`},
		{"inject file cloud_provider, white space inside", nil, []string{"validate", "--inject-file",
			file(`{"cloud_provider":"a ws","cloud_account_id":"123456789012","cloud_region":"eu-west-1"}`)}, 2,
			`invalid targets[0].cloud_provider "a ws": must not hold white space`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			checkExitSays(t, r, tt.code, tt.want)
		})
	}
}

// A target holding a character a target may not hold (an invisible one
// pasted with it, a NUL, a letter of an internationalised name) is refused
// naming the character as U+XXXX and its byte, wherever the target was
// given, without showing the value it withholds; a non-ASCII name is told
// its xn-- form.
func TestTargetErrorsNameTheStrayCharacter(t *testing.T) {
	const hidden = "not the non-printable character U+200B at byte 0"
	wantRefused(t, registry(), nil, []string{"noop"}, "\u200b", []refusal{
		{name: "zero-width space in --target", args: []string{"--target", "\u200b127.0.0.1"},
			want: `invalid --target (not shown): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "internationalised name", args: []string{"--target", "bücher.example"},
			want: `not the non-ASCII character U+00FC 'ü' at byte 1: write an internationalised name in its xn-- form (bücher.example as xn--bcher-kva.example)`},
		{name: "underscore", args: []string{"--target", "a_b.example"}, want: `not the character U+005F '_' at byte 1`},
		{name: "zone", args: []string{"--target", "fe80::1%e\u200bth0"},
			want: `zone may hold only letters, digits, '.', '_' and '-', not the non-printable character U+200B at byte 9`},
		{name: "NUL in a targets file", args: []string{"--targets-file", writeFile(t, "nul.txt", "127.0.0.1\n\x00abc\n")},
			want: `nul.txt:2: invalid target (not shown): host name may hold only letters, digits, hyphens and dots, not the non-printable character U+0000 at byte 0`},
		{name: "byte not UTF-8 in a targets file", args: []string{"--targets-file", writeFile(t, "ff.txt", "ab\xffc.example\n")},
			want: `ff.txt:1: invalid target (not shown): host name may hold only letters, digits, hyphens and dots, not the byte 0xFF at byte 2 (not UTF-8)`},
		{name: "config file", args: []string{"--config", writeFile(t, "c.yaml", "target:\n  - \"\\u200bweb.example\"\n")},
			want: `invalid target (not shown) (config file `},
		{name: "config file names it", args: []string{"--config", writeFile(t, "c2.yaml", "target:\n  - \"\\u200bweb.example\"\n")},
			want: `:2): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "inject file value", args: []string{"--inject-file", writeFile(t, "i.json", `{"targets":[{"value":"\u200bweb.example"}]}`)},
			want: `invalid targets[0].value (not shown): host name may hold only letters, digits, hyphens and dots, ` + hidden},
		{name: "inject file address", args: []string{"--inject-file", writeFile(t, "i4.json", `{"targets":[{"target_ipv4":"\u200b10.0.0.1"}]}`)},
			want: `invalid targets[0].target_ipv4 (not shown): not an IPv4 address: it holds the non-printable character U+200B at byte 0`},
	})
}

// A value that reads as an address or a range apart from a character no
// form allows (an invisible one pasted into it) is refused naming that
// character and its byte, not the address's first ':' or '[' a host name
// may not hold, wherever the value was given; a host name's own stray
// character ('_') is still the one named.
func TestAddressValueNamesTheCharacterNoFormAllows(t *testing.T) {
	const why = `not an IP address, CIDR range or host name: it holds the non-printable character U+200B at byte `
	wantRefused(t, registry(), nil, []string{"noop"}, "\u200b", []refusal{
		{name: "IPv6 --target", args: []string{"--target", "::1\u200b"}, want: `invalid --target (not shown): ` + why + `3`},
		{name: "bracketed --target", args: []string{"--target", "[::1]\u200b"}, want: why + `5`},
		{name: "targets file line", args: []string{"--targets-file", writeFile(t, "v6.txt", "::1\u200b\n")},
			want: `v6.txt:1: invalid target (not shown): ` + why + `3`},
		{name: "inject file value", args: []string{"--inject-file", writeFile(t, "v6.json", `{"targets":[{"value":"2001:db8::\u200b1"}]}`)},
			want: `invalid targets[0].value (not shown): ` + why + `10`},
		{name: "range --target", args: []string{"--target", "10.0.0.0/2\u200b4"},
			want: `not an address nor a CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120): it holds the non-printable character U+200B at byte 10`},
		{name: "range in an inject file", args: []string{"--inject-file", writeFile(t, "r.json", `{"targets":[{"target_ipv4":"10.0.0.0/2\u200b4"}]}`)},
			want: `CIDR range (e.g. 10.0.0.0/24, 2001:db8::/120): it holds the non-printable character U+200B at byte 10`},
		{name: "host name's underscore", args: []string{"--target", "bad_host!"}, want: `not the character U+005F '_' at byte 3`},
	})
}

// Of several targets given one way, the one refused is named by its
// position, as an inject file names targets[N] and a targets file its
// line: the 3rd --target, the 2nd of an environment variable's, the 2nd
// item of a platform message's manual targets (whose byte counts within
// that item). One target alone is named without a position.
func TestRefusedTargetNamedByItsPosition(t *testing.T) {
	const underscore = `host name may hold only letters, digits, hyphens and dots, not the character U+005F '_' at byte 3`
	manual := writeFile(t, "om.json", `{"injection":{"inject_id":"n5","inject_injector_contract":{"injector_contract_id":"`+
		openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"manual","targets":"10.0.0.1, bad_host!"}}}`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"third --target", nil, []string{"validate", "noop", "--target", "10.0.0.1", "--target", "web.example", "--target", "bad_host!"},
			`invalid --target #3 (not shown): ` + underscore},
		{"one --target", nil, []string{"validate", "noop", "--target", "bad_host!"}, `invalid --target (not shown): ` + underscore},
		{"second of the environment's", map[string]string{"INJECTKIT_TARGET": "10.0.0.1,bad_host!"}, []string{"validate", "noop"},
			`invalid target #2 (not shown) (env INJECTKIT_TARGET): ` + underscore},
		{"manual targets item", nil, []string{"run", "--openaev-message", manual},
			`invalid inject_content.targets (not shown): item 2 of 2: ` + underscore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

// A run given no target is refused naming the category the injector
// takes, and its hint names the ways to give targets of it (every way,
// for an injector that takes any), from no flag, an empty config file or
// an inject file with no target alike.
func TestNoTargetNamesTheWaysToGiveOne(t *testing.T) {
	const anyWay = "hint: give targets with --target or --targets-file (network), --query (external), " +
		"--cloud-provider, --cloud-account and --cloud-region (cloud), or in --inject-file"
	empty := writeFile(t, "empty.yaml", "")
	noTargets := writeFile(t, "inject.json", `{"targets":[]}`)
	tests := []struct {
		name string
		cat  framework.Category
		args []string
		want []string
	}{
		{"any category", "", nil, []string{"invalid targets: at least one target is required\n", anyWay}},
		{"any category, empty config", "", []string{"--config", empty}, []string{"invalid targets: at least one target is required\n", anyWay}},
		{"network", framework.Network, nil, []string{"invalid targets: at least one target is required (injector probe takes network targets)",
			"hint: give network targets with --target (an address, a host name or a CIDR range) or --targets-file, or in --inject-file"}},
		{"network, inject file", framework.Network, []string{"--inject-file", noTargets}, []string{
			"inject file " + noTargets + ": invalid targets: at least one target is required (injector probe takes network targets)",
			"hint: give network targets with --target"}},
		{"external", framework.External, nil, []string{"(injector probe takes external targets)",
			"hint: give external targets with --query (repeatable; a --target narrows each query), or in --inject-file"}},
		{"cloud", framework.Cloud, nil, []string{"(injector probe takes cloud targets)",
			"hint: give cloud targets with --cloud-provider, --cloud-account and --cloud-region (repeatable), or in --inject-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := refusedBeforeRunOf(t, tt.cat, "error", nil, tt.args...)
			checkSays(t, "stderr", stderr, tt.want, nil)
		})
	}
}

// A target of a category the injector does not take is named where the
// user wrote it, with its value (the flag, the variable, the config file's
// line, the targets file's line, the inject file's key), never by its
// category alone ("invalid targets \"network\""), by run and validate alike.
func TestRunWrongCategoryNamesWhereWritten(t *testing.T) {
	reg := registry(func(r *framework.Registry) {
		r.Register("cloudy", func() framework.Executor { return &frameworktest.Executor{Category: framework.Cloud} })
		r.Register("scanner", func() framework.Executor { return &frameworktest.Executor{Category: framework.Network} })
	})
	cfg := writeFile(t, "c.yaml", "target:\n  - 192.0.2.1\n")
	hosts := writeFile(t, "hosts.txt", "# hosts\n192.0.2.1\n")
	inject := writeFile(t, "i.json", `{"targets":[{"target_ipv4":"192.0.2.1"}]}`)
	const never = `invalid targets "`
	wantRefused(t, reg, nil, []string{"cloudy"}, never, []refusal{
		{name: "--target", args: []string{"--target", "192.0.2.1"}, want: `invalid --target "192.0.2.1": injector cloudy takes cloud targets`},
		{name: "INJECTKIT_TARGET", env: map[string]string{"INJECTKIT_TARGET": "192.0.2.1"},
			want: `invalid target "192.0.2.1" (env INJECTKIT_TARGET): injector cloudy takes cloud targets`},
		{name: "config file", args: []string{"--config", cfg}, want: `invalid target "192.0.2.1" (config file ` + cfg + `:2): injector cloudy takes cloud targets`},
		{name: "targets file", args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target "192.0.2.1": injector cloudy takes cloud targets`},
		{name: "inject file", args: []string{"--inject-file", inject}, want: `inject file ` + inject + `:1: invalid targets[0] "192.0.2.1": injector cloudy takes cloud targets`},
	})
	wantRefused(t, reg, nil, []string{"scanner"}, never, []refusal{
		{name: "--query", args: []string{"--query", "port:22"}, want: `invalid --query "port:22": injector scanner takes network targets`},
		{name: "--query narrowed to a --target", args: []string{"--query", "port:22", "--target", "192.0.2.1"},
			want: `invalid --query "port:22": injector scanner takes network targets`},
		{name: "INJECTKIT_QUERY", env: map[string]string{"INJECTKIT_QUERY": "port:22"},
			want: `invalid query "port:22" (env INJECTKIT_QUERY): injector scanner takes network targets`},
		{name: "--cloud-region", args: []string{"--cloud-provider", "aws", "--cloud-account", "123456789012", "--cloud-region", "eu-west-1"},
			want: `invalid --cloud-region "eu-west-1": injector scanner takes network targets`},
	})
}
