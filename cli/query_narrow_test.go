package cli_test

import (
	"strings"
	"testing"
)

// A --target that narrows a --query, or a cloud target the flags leave
// incomplete, is a target the injector refuses: with the openaev profile
// the inject still gets its reception and a terminal INVALID_USAGE that
// says why, as an inject file's target would; with either profile the
// error says the same.
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
		{"cloud without region", []string{"--cloud-provider", "aws", "--cloud-account", "1"},
			`invalid --cloud-region "": required with --cloud-provider`, `cloud_region: required`},
		{"cloud without account", []string{"--cloud-provider", "aws", "--cloud-region", "eu-west-1"},
			`invalid --cloud-account "": required with --cloud-provider`, `cloud_account_id: required`},
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
