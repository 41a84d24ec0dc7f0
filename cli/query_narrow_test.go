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
