package cli_test

import (
	"cmp"
	"fmt"
	"strings"
	"testing"
)

// Every error names what the user wrote (the flag, the param, the file and
// line, the inject file's key), never a Go type, and nothing runs.
func TestRunInputErrorsNameWhatTheUserWrote(t *testing.T) {
	hosts := writeFile(t, "hosts.txt", "10.0.0.1\n\n# next is wrong\na b   # typo\n")
	tests := []struct {
		name   string
		args   []string
		inject string // an inject file, when set
		want   string
	}{
		{"--target without a value", []string{"--target"}, "", "--target needs a value"},
		{"--target followed by a flag", []string{"--target", "--param", "x=1"}, "", `--target needs a value, not the flag --param`},
		{"bad target", []string{"--target", "a b"}, "", `invalid --target "a b": host name may hold only`},
		{"bracketed address", []string{"--target", "[::1]"}, "", `invalid --target "[::1]": brackets are not part of an address (they set one apart in a URL): give ::1`},
		{"bad range", []string{"--target", "10.0.0.0/33"}, "", `invalid --target "10.0.0.0/33": not an address nor a CIDR range`},
		{"range past --max-targets", []string{"--target", "10.0.0.0/8"}, "",
			`invalid --target "10.0.0.0/8": CIDR ranges expand to 16777216 addresses in all, more than --max-targets 65536`},
		{"ranges past --max-targets together", []string{"--target", "10.0.0.0/30", "--target", "10.0.1.0/30", "--max-targets", "6"}, "",
			`invalid --target #2 "10.0.1.0/30": CIDR ranges expand to 8 addresses in all, more than --max-targets 6`},
		{"huge IPv6 range", []string{"--target", "2001:db8::/32"}, "", `expand to 2^96 addresses in all`},
		{"targets file line", []string{"--targets-file", hosts}, "", hosts + `:4: invalid target "a b": host name may hold only`},
		{"targets file with no target", []string{"--targets-file", writeFile(t, "empty.txt", "# nothing yet\n\n   \n")}, "",
			`empty.txt" (--targets-file): holds no target (only blank lines and # comments)`},
		{"targets file missing", []string{"--targets-file", "/nonexistent/hosts.txt"}, "",
			`invalid targets_file "/nonexistent/hosts.txt" (--targets-file): no such file or directory`},
		{"inject file target as a string", nil, `{"injector":"noop","targets":["127.0.0.1"]}`,
			`invalid targets[0] "127.0.0.1": wrong JSON type: a string, want an object`},
		{"inject file null value", nil, `{"injector":"noop","targets":[{"value":null}]}`, `: invalid targets[0]: empty target`},
		{"inject file bad value", nil, `{"injector":"noop","targets":[{"value":"10.0.0.0/31"},{"value":"a b"}]}`,
			`: invalid targets[1].value "a b": host name may hold only`},
		{"inject file range past --max-targets", nil, `{"injector":"noop","targets":[{"target_ipv4":"10.0.0.0/8"}]}`,
			`: invalid targets[0].target_ipv4 "10.0.0.0/8": CIDR ranges expand to 16777216 addresses`},
		{"inject file mixed categories after a range", nil, `{"injector":"noop","targets":[{"value":"10.0.0.0/30"},{"query":"apache"}]}`,
			`: invalid targets[1] (not shown): an external target, where all targets must share one category (targets[0] is network)`},
		{"inject file param", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"params":{"outcome":"bogus"}}`,
			`inject.json:1:73: invalid params.outcome "bogus": not one of success, partial, failed`},
		{"inject file negative timeout", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"timeout":-300}`,
			`invalid timeout "-300": must be positive`},
		{"inject file phase", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"phase":"execution-complete"}`,
			`inject.json:1:61: invalid phase "execution-complete": want execution_complete`},
		{"query narrowed to IPv6", []string{"--query", "apache", "--target", "::1"}, "",
			`invalid --target "::1": a query is narrowed to an IPv4 address or a host name, not an IPv6 address`},
		{"query narrowed to a bad name", []string{"--query", "apache", "--target", "a b"}, "", `invalid --target "a b": host name may hold only`},
		{"cloud without region", []string{"--cloud-provider", "aws", "--cloud-account", "1"}, "", `missing cloud_region (repeatable: one target per region): required with --cloud-provider, --cloud-account`},
		{"cloud without account", []string{"--cloud-provider", "aws", "--cloud-region", "eu-west-1"}, "", `missing cloud_account (the account, subscription or project id): required with --cloud-provider, --cloud-region`},
		{"bad cloud region", []string{"--cloud-provider", "aws", "--cloud-account", "1", "--cloud-region", "-eu"}, "",
			`invalid --cloud-region "-eu": must not start with '-'`},
		{"cloud and network", []string{"--cloud-provider", "aws", "--target", "10.0.0.1"}, "",
			`invalid --target "10.0.0.1": cloud targets (--cloud-*) take no --target`},
		{"cloud and query", []string{"--cloud-provider", "aws", "--query", "x"}, "", `invalid --query "x": cloud targets (--cloud-*) and external ones`},
		{"phase typo", []string{"--target", "10.0.0.1", "--phase", "execution_complet"}, "",
			`invalid phase "execution_complet" (--phase): want execution_complete`},
		{"negative timeout", []string{"--target", "10.0.0.1", "--timeout", "-5"}, "", `invalid timeout "-5" (--timeout): must not be negative`},
		{"bad timeout", []string{"--target", "10.0.0.1", "--timeout", "soon"}, "", `invalid timeout "soon" (--timeout): not a duration (e.g. 30s, 5m, or 300 for seconds)`},
		{"timeout too long", []string{"--target", "10.0.0.1", "--timeout", "9999999999"}, "", `invalid timeout "9999999999" (--timeout): too long: at most 2562047h`},
		{"inject file timeout too long", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"timeout":99999999999}`,
			`invalid timeout "99999999999": too long: at most 2562047h`},
		// Blank is no duration at all: said so, not "must be positive".
		{"blank timeout", []string{"--target", "10.0.0.1", "--timeout", ""}, "",
			`invalid timeout "" (--timeout): must not be blank: give a duration (30s, 5m, or 300 for seconds), or leave it out for the default`},
		{"white space timeout", []string{"--target", "10.0.0.1", "--timeout", " "}, "",
			`invalid timeout " " (--timeout): must not be blank: give a duration`},
		{"zero timeout: not the default in disguise", []string{"--target", "10.0.0.1", "--timeout", "0s"}, "", `invalid timeout "0s" (--timeout): must be positive`},
		{"bad param", []string{"--target", "10.0.0.1", "--param", "delay=-3"}, "", `invalid param "delay=-3" (--param): negative duration`},
		{"param without =", []string{"--target", "10.0.0.1", "--param", "delay"}, "", `invalid param "delay" (--param): want key=value`},
		// A blank key is shown as written, its white space kept: " =x", not "=x".
		{"param with an empty key", []string{"--target", "10.0.0.1", "--param", "=x"}, "", `invalid param "=x" (--param): want key=value: the key is blank`},
		{"param with a white space key", []string{"--target", "10.0.0.1", "--param", " =x"}, "", `invalid param " =x" (--param): want key=value: the key is blank`},
		{"param with a tab key", []string{"--target", "10.0.0.1", "--param", "\t=x"}, "", `invalid param "\t=x" (--param): want key=value: the key is blank`},
		{"unknown expectation", []string{"--target", "10.0.0.1", "--expectation", "DETECT"}, "",
			`invalid expectation "DETECT" (--expectation): want DETECTION, PREVENTION or VULNERABILITY`},
		// An expectation type the injector's manifest does not declare.
		{"undeclared expectation", []string{"--target", "10.0.0.1", "--expectation", "DETECTION", "--expectation", "vulnerability"}, "",
			`invalid expectation "vulnerability" (--expectation): VULNERABILITY is not an expectation type injector noop declares: it declares DETECTION, PREVENTION`},
		{"inject file undeclared expectation", nil, `{"injector":"noop","expectation_types":["VULNERABILITY"],"targets":[{"value":"10.0.0.1"}]}`,
			`invalid expectation_types[0] "VULNERABILITY": VULNERABILITY is not an expectation type injector noop declares: it declares DETECTION, PREVENTION`},
		{"bad max-targets", []string{"--target", "10.0.0.1", "--max-targets", "0"}, "", `invalid max_targets "0" (--max-targets): not a positive integer`},
		{"max-targets past an integer", []string{"--target", "10.0.0.1", "--max-targets", "99999999999999999999"}, "",
			`invalid max_targets "99999999999999999999" (--max-targets): too large: at most 9223372036854775807`},
		{"max-targets below an integer", []string{"--target", "10.0.0.1", "--max-targets", "-99999999999999999999"}, "",
			`invalid max_targets "-99999999999999999999" (--max-targets): not a positive integer`},
		// Ids travel in a header (the inject id) or reach the platform and
		// the terminal as written (agent, asset, asset group).
		{"non-ASCII inject id", []string{"--target", "10.0.0.1", "--inject-id", "é"}, "",
			`invalid inject_id "é" (--inject-id): holds the non-ASCII character U+00E9 at byte 0 (the Idempotency-Key header carries ASCII)`},
		{"inject file non-ASCII inject id", nil, `{"injector":"noop","inject_id":"inj-\u00e9","targets":[{"value":"10.0.0.1"}]}`,
			`inject.json:1:32: invalid inject_id "inj-é": holds the non-ASCII character U+00E9 at byte 4`},
		{"inject file asset with a terminal escape", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1","asset":"\u001b]0;pwned\u0007"}]}`,
			`inject.json:1: invalid targets[0].asset "\x1b]0;pwned\a": holds the non-printable character U+001B at byte 0`},
		{"inject file blank asset group", nil, `{"injector":"noop","targets":[{"value":"10.0.0.1"},{"value":"10.0.0.2","agent":"a-1","asset_group":" "}]}`,
			`inject.json:1: invalid targets[1].asset_group " ": blank; give the platform's id or leave the key out`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "noop"}, tt.args...)
			if tt.inject != "" {
				args = append(args, "--inject-file", writeFile(t, "inject.json", tt.inject))
			}
			r := run(t, registry(), nil, args...)
			if r.code != 2 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing printed; stderr: %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr:\n%s\nwant %q", r.stderr, tt.want)
			}
			for _, goName := range []string{"framework.", "runtime.", "signatures.", "TargetSpec", "[]string", "strconv.", "netip.", "json: cannot", "json: unknown", "time: "} {
				if strings.Contains(r.stderr, goName) {
					t.Errorf("stderr names Go's %q:\n%s", goName, r.stderr)
				}
			}
		})
	}
}

// A target value given in the environment is named by its variable, and
// an item of a config file list by its own line, for each flag a target is
// built from and each list key.
func TestRunListItemErrorsNameWhereGiven(t *testing.T) {
	cloud := []string{"--cloud-provider", "aws", "--cloud-account", "1", "--cloud-region", "eu-west-1"}
	tests := []struct {
		env      map[string]string
		config   string // a config file, when set
		args     []string
		injector string // noop, when not set
		want     string
	}{
		{env: map[string]string{"INJECTKIT_CLOUD_REGION": "-eu"}, args: []string{"--cloud-provider", "aws", "--cloud-account", "1"},
			want: `invalid cloud_region "-eu" (env INJECTKIT_CLOUD_REGION): must not start with '-'`},
		{env: map[string]string{"INJECTKIT_CLOUD_PROVIDER": "-aws"}, args: cloud[2:],
			want: `invalid cloud_provider "-aws" (env INJECTKIT_CLOUD_PROVIDER): must not start with '-'`},
		{env: map[string]string{"INJECTKIT_TARGET_SERVICE": "-s3"}, args: cloud,
			want: `invalid target_service "-s3" (env INJECTKIT_TARGET_SERVICE): must not start with '-'`},
		{env: map[string]string{"INJECTKIT_TARGET": "::1"}, args: []string{"--query", "apache"},
			want: `invalid target "::1" (env INJECTKIT_TARGET): a query is narrowed to an IPv4 address or a host name`},
		{env: map[string]string{"INJECTKIT_TARGET": "a b"}, args: []string{"--query", "apache"},
			want: `invalid target "a b" (env INJECTKIT_TARGET): host name may hold only`},
		{config: "target:\n  - 10.0.0.1\n  - a b\n", want: `invalid target "a b" (config file %s:3): host name may hold only`},
		{config: "target: [10.0.0.1]\nexpectation:\n  - DETECTION\n  - DETECT\n", want: `invalid expectation "DETECT" (config file %s:4)`},
		{config: "target: [10.0.0.1]\nparam:\n  - outcome=failed\n  - delay=-3\n", want: `invalid param "delay=-3" (config file %s:4)`},
		{config: "target: [10.0.0.1]\nparam:\n  - delay=1\n  - delay=2\n", want: `invalid param "delay=2" (config file %s:4): delay given twice`},
		// A blank key is quoted as written, from any source.
		{config: "target: [10.0.0.1]\nparam:\n  - ' =x'\n", want: `invalid param " =x" (config file %s:3): want key=value: the key is blank`},
		{env: map[string]string{"INJECTKIT_PARAM": " =x"}, args: []string{"--target", "10.0.0.1"},
			want: `invalid param " =x" (env INJECTKIT_PARAM): want key=value: the key is blank`},
		{config: "cloud_provider: aws\ncloud_account: '1'\ncloud_region:\n  - eu-west-1\n  - -eu\n",
			want: `invalid cloud_region "-eu" (config file %s:5)`},
		{config: "query:\n  - apache\ntarget:\n  - 10.0.0.1\n  - ::1\n", want: `invalid target "::1" (config file %s:5)`},
		// A cloud or query setting left in the environment or the config
		// file is named where it makes the targets of another kind.
		{env: map[string]string{"INJECTKIT_CLOUD_REGION": "eu-west-1"}, args: []string{"--target", "127.0.0.1"},
			want: `invalid --target "127.0.0.1": cloud targets (env INJECTKIT_CLOUD_REGION) take no --target`},
		{config: "cloud_region: eu-west-1\n", args: []string{"--target", "127.0.0.1"},
			want: `cloud targets (cloud_region (config file %s:1)) take no --target`},
		{config: "cloud_region: eu-west-1\n", args: []string{"--cloud-account", "1"},
			want: `missing cloud_provider (e.g. aws): required with --cloud-account, cloud_region (config file %s:1); give it with --cloud-provider, env INJECTKIT_CLOUD_PROVIDER or key cloud_provider in the config file`},
		{env: map[string]string{"INJECTKIT_CLOUD_PROVIDER": "aws"}, args: []string{"--query", "x"},
			want: `invalid --query "x": cloud targets (env INJECTKIT_CLOUD_PROVIDER) and external ones`},
		{env: map[string]string{"INJECTKIT_QUERY": "apache"}, args: []string{"--target", "127.0.0.1"}, injector: "nmap",
			want: "hint: the targets come from env INJECTKIT_QUERY; give network targets with --target"},
		// So is a CA file that cannot be used, with either profile.
		{env: map[string]string{"INJECTKIT_CA_FILE": "/nonexistent/ca.pem"}, args: []string{"--target", "127.0.0.1", "--inject-id", "x", "--backend-url", "https://127.0.0.1:9"},
			want: `invalid ca_file "/nonexistent/ca.pem" (env INJECTKIT_CA_FILE): no such file or directory`},
		{args: []string{"--target", "127.0.0.1", "--inject-id", "x", "--backend-url", "https://127.0.0.1:9", "--profile", "openaev", "--ca-file", "/nonexistent/ca.pem"},
			want: `invalid ca_file "/nonexistent/ca.pem" (--ca-file): no such file or directory`},
	}
	reg := registry(withNmapScanner)
	for _, tt := range tests {
		injector := cmp.Or(tt.injector, "noop")
		args, want := append([]string{"run", injector}, tt.args...), tt.want
		if tt.config != "" {
			path := writeFile(t, "c.yaml", tt.config)
			args, want = append(args, "--config", path), fmt.Sprintf(tt.want, path)
		}
		r := run(t, reg, tt.env, args...)
		if r.code != 2 || !strings.Contains(r.stderr, want) {
			t.Errorf("%v %q: exit %d, stderr:\n%s\nwant %q", tt.env, tt.config, r.code, r.stderr, want)
		}
	}
}

// With the openaev profile a bad target is the runtime's to refuse, so
// that the platform gets its reception and INVALID_USAGE; the error still
// names the file and line.
func TestRunOpenAEVBadTargetNamesItsLine(t *testing.T) {
	hosts := writeFile(t, "hosts.txt", "10.0.0.0/31\n# next is wrong\na b   # typo\n")
	r := run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--targets-file", hosts, "--log-level", "error")
	if r.code != 2 {
		t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
	}
	if want := `injectkit: ` + hosts + `:3: invalid target "a b": host name may hold only`; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr:\n%s\nwant %q", r.stderr, want)
	}
	lines := printedLines(t, r.stdout)
	if len(lines) != 2 || lines[1].Body["execution_status"] != "INVALID_USAGE" {
		t.Errorf("printed %s, want the reception and INVALID_USAGE", r.stdout)
	}
	// So does a bad --param: the platform learns of it as of a bad
	// param of an inject file.
	r = run(t, registry(), nil, "run", "noop", "--profile", "openaev", "--target", "127.0.0.1", "--param", "outcome=bogus", "--log-level", "error")
	if want := `injectkit: invalid param "outcome=bogus" (--param): not one of success`; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, want)
	}
	if lines := printedLines(t, r.stdout); len(lines) != 2 || lines[1].Body["execution_status"] != "INVALID_USAGE" {
		t.Errorf("bad param: printed %s, want the reception and INVALID_USAGE", r.stdout)
	}
}

// A host name nmap reads as an address (inet_aton) is refused naming where
// it was written, the flag or the file and line, never its index, and
// quoting it as written, not in the canonical form nmap was handed.
func TestRunNmapNumericHostNameNamesItsOrigin(t *testing.T) {
	hosts := writeFile(t, "hosts.txt", "localhost\n0x7f000001\n")
	written := writeFile(t, "written.txt", "localhost\n0X7F000001.\n")
	injectFile := writeFile(t, "inject.json", `{"targets":[{"target_hostname":"0X7F000001."}]}`)
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--target", "0x7f000001"}, want: `invalid --target "0x7f000001": nmap reads this host name as the IPv4 address 127.0.0.1`},
		{env: map[string]string{"INJECTKIT_TARGET": "0x7f000001"}, want: `invalid target "0x7f000001" (env INJECTKIT_TARGET)`},
		{args: []string{"--targets-file", hosts}, want: hosts + `:2: invalid target "0x7f000001": nmap reads`},
		// The injector is handed the canonical form (0x7f000001); the
		// refusal quotes what the user wrote.
		{args: []string{"--target", "0X7F000001."}, want: `invalid --target "0X7F000001.": nmap reads this host name as the IPv4 address 127.0.0.1`},
		{args: []string{"--targets-file", written}, want: written + `:2: invalid target "0X7F000001.": nmap reads`},
		{args: []string{"--inject-file", injectFile}, want: injectFile + `:1: invalid targets[0] "0X7F000001.": nmap reads`},
		{args: []string{"--target", "0X7F000001.", "--profile", "openaev"}, want: `invalid --target "0X7F000001.": nmap reads`},
	}
	reg := registry(withNmapScanner)
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			r := run(t, reg, tt.env, append([]string{cmd, "nmap", "--log-level", "error"}, tt.args...)...)
			indexed := strings.Contains(r.stderr, "targets[") && tt.args[0] != "--inject-file" // its own key
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || indexed {
				t.Errorf("%s %v %v: exit %d, stderr:\n%s\nwant 2 and %q", cmd, tt.args, tt.env, r.code, r.stderr, tt.want)
			}
		}
	}
}

// A target setting given in the environment is named by its key and its
// variable, as every other setting is, never by its flag: the user wrote
// no flag. Each target variable, with each profile (the openaev profile's
// refusal is the runtime's, relabelled).
func TestTargetEnvErrorsNameTheVariable(t *testing.T) {
	cloud := map[string]string{"INJECTKIT_CLOUD_PROVIDER": "aws", "INJECTKIT_CLOUD_ACCOUNT": "1", "INJECTKIT_CLOUD_REGION": "eu-west-1"}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for mk, mv := range m {
			if mk != k {
				out[mk] = mv
			}
		}
		return out
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"target", map[string]string{"INJECTKIT_TARGET": "999.1.1.1"}, `invalid target "999.1.1.1" (env INJECTKIT_TARGET): not a valid IP address`},
		{"target narrowing a query", map[string]string{"INJECTKIT_QUERY": "apache", "INJECTKIT_TARGET": "a..b"},
			`invalid target "a..b" (env INJECTKIT_TARGET): empty label in host name`},
		{"target beside cloud targets", with(cloud, "INJECTKIT_TARGET", "127.0.0.1"),
			`invalid target "127.0.0.1" (env INJECTKIT_TARGET): cloud targets`},
		{"targets file", map[string]string{"INJECTKIT_TARGETS_FILE": "/nonexistent/hosts.txt"},
			`invalid targets_file "/nonexistent/hosts.txt" (env INJECTKIT_TARGETS_FILE)`},
		{"query", map[string]string{"INJECTKIT_QUERY": "a\x01"}, `invalid query "a\x01" (env INJECTKIT_QUERY)`},
		{"query beside cloud targets", with(cloud, "INJECTKIT_QUERY", "apache"), `invalid query "apache" (env INJECTKIT_QUERY): cloud targets`},
		{"cloud provider", with(cloud, "INJECTKIT_CLOUD_PROVIDER", "-aws"), `invalid cloud_provider "-aws" (env INJECTKIT_CLOUD_PROVIDER)`},
		{"cloud account", with(cloud, "INJECTKIT_CLOUD_ACCOUNT", "a b"), `invalid cloud_account "a b" (env INJECTKIT_CLOUD_ACCOUNT)`},
		{"cloud region", with(cloud, "INJECTKIT_CLOUD_REGION", "eu west"), `invalid cloud_region "eu west" (env INJECTKIT_CLOUD_REGION)`},
		{"target service", with(cloud, "INJECTKIT_TARGET_SERVICE", "s 3"), `invalid target_service "s 3" (env INJECTKIT_TARGET_SERVICE)`},
		{"too large", map[string]string{"INJECTKIT_TARGET": "127.0.0.1", "INJECTKIT_MAX_PAYLOAD_SIZE": "300"},
			`invalid target "127.0.0.1" (env INJECTKIT_TARGET): its signatures fit in no body of at most`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, args := range [][]string{{"run", "noop"}, {"validate", "noop"}, {"run", "noop", "--profile", "openaev"}} {
				if tt.name == "too large" && len(args) > 2 {
					continue // the openaev profile's least body is 1 KiB
				}
				r := run(t, registry(), tt.env, append(args, "--log-level", "error")...)
				stderr := leastSize.ReplaceAllString(r.stderr, "at least N bytes")
				want := tt.want
				if len(args) > 2 {
					// The runtime's refusal names the target as a target,
					// and where it was given.
					want = want[strings.Index(want, " (env "):]
				}
				if r.code != 2 || !strings.Contains(stderr, want) || strings.Contains(stderr, "invalid --") {
					t.Errorf("%v: exit %d, stderr:\n%s\nwant 2 and %q, no flag named", args, r.code, r.stderr, want)
				}
			}
		})
	}
}
