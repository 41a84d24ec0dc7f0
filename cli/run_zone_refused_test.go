package cli_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// An IPv6 target whose zone is an interface index no interface of this
// machine has (0 is none; 4294967297 is past any interface index, and a
// 32-bit scope id would wrap it to 1, the loopback's) is refused by nmap
// before it runs, as a zone naming no interface is, wherever it was
// written (a flag, the environment, a targets file's line, an inject
// file): exit 2 naming the origin and the value, nothing sent to the
// backend, no outbox file; validate refuses it alike.
func TestRunNmapZoneIndexNoInterfaceRefused(t *testing.T) {
	hosts := writeFile(t, "hosts.txt", "::1\nfe80::1%4294967297\n")
	injectFile := writeFile(t, "inject.json", `{"targets":[{"target_ipv6":"::1"},`+"\n"+`{"target_ipv6":"fe80::1%0"}]}`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"flag, index 0", []string{"--target", "::1%0"},
			nil, `invalid --target "::1%0": zone "0" is an interface index no network interface of this machine has`},
		{"flag, past 32 bits", []string{"--target", "::1", "--target", "fe80::1%4294967297"},
			nil, `invalid --target #2 "fe80::1%4294967297": zone "4294967297" is an interface index`},
		{"environment", nil, map[string]string{"INJECTKIT_TARGET": "fe80::1%0"},
			`invalid target "fe80::1%0" (env INJECTKIT_TARGET): zone "0" is an interface index`},
		{"targets file", []string{"--targets-file", hosts},
			nil, hosts + `:2: invalid target "fe80::1%4294967297": zone "4294967297" is an interface index`},
		{"inject file", []string{"--inject-file", injectFile},
			nil, injectFile + `:2: invalid targets[1] "fe80::1%0": zone "0" is an interface index`},
	}
	reg := registry(withNmapScanner)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBackend(t, http.StatusOK)
			path := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, reg, tt.env, append([]string{"run", "nmap", "--log-level", "error", "--param", "ports=80",
				"--backend-url", b.URL, "--inject-id", "i-1", "--token", "t0k3n-zone", "--outbox", path}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("run: exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
			nothingSentOrStored(t, b, path)
			r = run(t, reg, tt.env, append([]string{"validate", "nmap", "--log-level", "error"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("validate: exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}
