package cli_test

import (
	"strings"
	"testing"
)

// A query target of an inject file narrowed by a field that cannot narrow
// a query (target_ipv6, value) is refused naming that field and its value
// with the reason --target gives, not as a target mixing two categories
// with its value withheld.
func TestInjectFileQueryNarrowingNamesTheField(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"target_ipv6", `{"injector":"noop","targets":[{"query":"port:22","target_ipv6":"::1"}]}`,
			`:1: invalid targets[0].target_ipv6 "::1": a query is narrowed to an IPv4 address or a host name, not an IPv6 address`},
		{"target_ipv6 range", `{"injector":"noop","targets":[{"query":"port:22","target_ipv6":"2001:db8::/126"}]}`,
			`:1: invalid targets[0].target_ipv6 "2001:db8::/126": a query is narrowed to an IPv4 address or a host name, not an IPv6 address`},
		{"value", `{"injector":"noop","targets":[{"query":"port:22","value":"10.0.0.1"}]}`,
			`:1: invalid targets[0].value "10.0.0.1": a query is narrowed by target_ipv4 or target_hostname, not value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "inject.json", tt.file)
			for _, cmd := range []string{"run", "validate"} {
				r := run(t, registry(), nil, cmd, "--inject-file", path, "--log-level", "error")
				if want := "injectkit: inject file " + path + tt.want; r.code != 2 || !strings.Contains(r.stderr, want) || r.stdout != "" {
					t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2, nothing printed and %q", cmd, r.code, r.stdout, r.stderr, want)
				}
			}
		})
	}
}
