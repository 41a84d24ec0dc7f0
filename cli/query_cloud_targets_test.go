package cli_test

import (
	"strings"
	"testing"
)

// A --target that narrows a --query, or a cloud target the flags leave
// incomplete, is a target the injector refuses: with the openaev profile
// the inject still gets its reception and a terminal INVALID_USAGE that
// says why, as an inject file's target would; with either profile the
// error says the same, and names the value as the user wrote it.
func TestRefusedQueryAndCloudTargetsReachThePlatform(t *testing.T) {
	narrowing := "a query is narrowed to an IPv4 address or a host name, not an IPv6 address"
	tests := []struct {
		name    string
		args    []string
		want    string // on stderr, with either profile
		message string // in the INVALID_USAGE
	}{
		{"IPv6 address", []string{"--query", "apache", "--target", "2001:db8::1"},
			`invalid --target "2001:db8::1": ` + narrowing, `"2001:db8::1": ` + narrowing},
		{"IPv6 range, named as written", []string{"--query", "apache", "--target", "2001:db8::/126"},
			`invalid --target "2001:db8::/126": ` + narrowing, `"2001:db8::/126": ` + narrowing},
		{"IPv4-mapped address that is no host, named as written", []string{"--query", "apache", "--target", "::ffff:0.0.0.0"},
			`invalid --target "::ffff:0.0.0.0": an unspecified address`, `"::ffff:0.0.0.0": an unspecified address`},
		{"query with a right-to-left override, shown escaped", []string{"--query", "apache\u202eevil", "--target", "127.0.0.1"},
			`invalid --query "apache\u202eevil": holds the non-printable character U+202E at byte 6`, `"apache\u202eevil": holds the non-printable character U+202E`},
		{"query over two lines", []string{"--query", "apache\nport:22"},
			`invalid --query "apache\nport:22": holds the non-printable character U+000A at byte 6`, `"apache\nport:22": holds the non-printable character U+000A`},
		{"cloud without region", []string{"--cloud-provider", "aws", "--cloud-account", "1"},
			`missing cloud_region (repeatable: one target per region): required with --cloud-provider, --cloud-account`, `cloud_region: required`},
		{"cloud without account", []string{"--cloud-provider", "aws", "--cloud-region", "eu-west-1"},
			`missing cloud_account (the account, subscription or project id): required with --cloud-provider, --cloud-region`, `cloud_account_id: required`},
		{"cloud with a blank provider", []string{"--cloud-provider", " ", "--cloud-account", "1", "--cloud-region", "eu-west-1"},
			`invalid --cloud-provider " ": required with --cloud-account`, `cloud_provider: required`},
	}
	for _, tt := range tests {
		for _, profile := range []string{"openaev", "callback"} {
			t.Run(profile+" "+tt.name, func(t *testing.T) {
				args := append([]string{"run", "noop", "--profile", profile, "--inject-id", "i1", "--log-level", "error"}, tt.args...)
				r := run(t, registry(), nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("exit %d, want 2 with %q:\n%s", r.code, tt.want, r.stderr)
				}
				lines := printedLines(t, r.stdout)
				if profile == "callback" {
					if len(lines) != 0 {
						t.Errorf("printed %s, want nothing", r.stdout)
					}
					return
				}
				if len(lines) != 2 || !strings.Contains(lines[0].Path, "/reception/") || lines[1].Body["execution_status"] != "INVALID_USAGE" {
					t.Fatalf("printed %s, want the reception and INVALID_USAGE", r.stdout)
				}
				if msg, _ := lines[1].Body["execution_message"].(string); !strings.Contains(msg, tt.message) {
					t.Errorf("INVALID_USAGE says %q, want %q in it", msg, tt.message)
				}
			})
		}
	}
}

// An IPv4-mapped --target narrowing a query is the IPv4 address it maps:
// the query runs narrowed to it, and its signatures say that address.
func TestIPv4MappedTargetNarrowsAQuery(t *testing.T) {
	for _, target := range []string{"::ffff:192.0.2.9", "::ffff:192.0.2.8/127"} {
		r := run(t, registry(), nil, "run", "noop", "--query", "apache", "--target", target, "--log-level", "error")
		if r.code != 0 {
			t.Fatalf("%s: exit %d, want 0:\n%s", target, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, `"signature_value":"192.0.2.9"`) || strings.Contains(r.stdout, "ffff") {
			t.Errorf("%s: signatures do not say 192.0.2.9 alone:\n%s", target, r.stdout)
		}
	}
}

// A range of the other family than its field's is refused whole, named as
// written, never by the first address it would expand to.
func TestRangeOfTheOtherFamilyNamedAsWritten(t *testing.T) {
	tests := []struct{ target, want string }{
		{`{"target_ipv6":"10.0.0.0/30"}`, `invalid targets[0].target_ipv6 "10.0.0.0/30": not an IPv6 address`},
		{`{"target_ipv4":"2001:db8::/126"}`, `invalid targets[0].target_ipv4 "2001:db8::/126": not an IPv4 address`},
		{`{"query":"apache","target_ipv4":"2001:db8::/126"}`, `invalid targets[0].target_ipv4 "2001:db8::/126": a query is narrowed`},
	}
	for _, tt := range tests {
		for _, profile := range []string{"openaev", "callback"} {
			file := writeFile(t, "inject.json", `{"injector":"noop","targets":[`+tt.target+`]}`)
			r := run(t, registry(), nil, "run", "noop", "--profile", profile, "--inject-id", "i1", "--inject-file", file, "--log-level", "error")
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("%s %s: exit %d, want 2 with %q:\n%s", profile, tt.target, r.code, tt.want, r.stderr)
			}
		}
	}
}

// A query that is not valid UTF-8 would be sent to the provider as its
// bytes (%FF) and reported as U+FFFD: it is refused before anything runs,
// named as written, so that what is sent and what is reported agree (with
// the openaev profile, in the inject's INVALID_USAGE too).
func TestQueryNotUTF8Refused(t *testing.T) {
	const want = `"apache \xff": not valid UTF-8`
	r := run(t, registry(), nil, "run", "noop", "--log-level", "error", "--query", "apache \xff")
	checkRefused(t, r, `invalid --query `+want)
	r = run(t, registry(), nil, "run", "noop", "--log-level", "error", "--profile", "openaev", "--inject-id", "i1", "--query", "apache \xff")
	lines := printedLines(t, r.stdout)
	if r.code != 2 || len(lines) != 2 || !strings.Contains(lines[1].Body["execution_message"].(string), want) {
		t.Errorf("openaev: exit %d, want 2 and an INVALID_USAGE naming the query:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A cloud setting nobody gave is said to be missing, with the settings
// it goes with as they were given and the three ways to give it: never as
// an empty value of a flag the user did not type.
func TestCloudSettingMissingNamedAsMissing(t *testing.T) {
	for _, tt := range []struct {
		name, config string
		env          map[string]string
		args         []string
		want         string // %s: the config file
	}{
		{name: "provider, the config file's region", config: "cloud_region: \"reg f\"\n",
			want: "missing cloud_provider (e.g. aws): required with cloud_region (config file %s:1); give it with --cloud-provider, env INJECTKIT_CLOUD_PROVIDER or key cloud_provider in the config file"},
		{name: "provider, the environment's account and region", env: map[string]string{"INJECTKIT_CLOUD_ACCOUNT": "1", "INJECTKIT_CLOUD_REGION": "r"},
			want: "missing cloud_provider (e.g. aws): required with env INJECTKIT_CLOUD_ACCOUNT, env INJECTKIT_CLOUD_REGION; give it with --cloud-provider"},
		{name: "account, flags", args: []string{"--cloud-provider", "aws", "--cloud-region", "r"},
			want: "missing cloud_account (the account, subscription or project id): required with --cloud-provider, --cloud-region; give it with --cloud-account, env INJECTKIT_CLOUD_ACCOUNT or key cloud_account"},
		{name: "region, the config file's provider and account", config: "cloud_provider: aws\ncloud_account: \"1\"\n",
			want: "missing cloud_region (repeatable: one target per region): required with cloud_provider (config file %s:1), cloud_account (config file %s:2); give it with --cloud-region"},
	} {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args, want := append([]string{cmd, "noop", "--log-level", "error"}, tt.args...), tt.want
				if tt.config != "" {
					conf := writeFile(t, "rk.yaml", tt.config)
					args = append(args, "--config", conf)
					want = strings.ReplaceAll(want, "%s", conf)
				}
				r := run(t, registry(), tt.env, args...)
				if r.code != 2 || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, `""`) {
					t.Errorf("exit %d, want 2 with %q and no empty value:\n%s", r.code, want, r.stderr)
				}
			})
		}
	}
}

// A blank cloud provider or account is refused quoting the value the
// user gave for that setting, where it was given, never the other fields
// of the target joined, with either profile and from an inject file.
func TestBlankCloudProviderOrAccountQuotesItsValue(t *testing.T) {
	inject := func(provider, account string) string {
		return writeFile(t, "inject.json", `{"injector":"noop","targets":[{"cloud_provider":"`+provider+
			`","cloud_account_id":"`+account+`","cloud_region":"eu-west-1"}]}`)
	}
	badProvider, badAccount := inject(" ", "123456789012"), inject("aws", " ")
	region := []string{"--cloud-region", "eu-west-1"}
	for _, profile := range []string{"callback", "openaev"} {
		t.Run(profile, func(t *testing.T) {
			wantRefused(t, registry(), nil, []string{"noop", "--profile", profile}, "eu-west-1\"", []refusal{
				{"--cloud-provider", nil, append([]string{"--cloud-provider", " ", "--cloud-account", "123456789012"}, region...),
					`invalid --cloud-provider " ": required`},
				{"--cloud-account", nil, append([]string{"--cloud-provider", "aws", "--cloud-account", " "}, region...),
					`invalid --cloud-account " ": required`},
				{"env cloud account", map[string]string{"INJECTKIT_CLOUD_ACCOUNT": " "}, append([]string{"--cloud-provider", "aws"}, region...),
					`invalid cloud_account " " (env INJECTKIT_CLOUD_ACCOUNT): required`},
				{"inject file cloud_provider", nil, []string{"--inject-file", badProvider},
					`inject file ` + badProvider + `:1: invalid targets[0].cloud_provider " ": required`},
				{"inject file cloud_account_id", nil, []string{"--inject-file", badAccount},
					`inject file ` + badAccount + `:1: invalid targets[0].cloud_account_id " ": required`},
			})
		})
	}
}
