package signatures_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// fakeHostname puts on PATH a `hostname` that records each start in a
// file and prints out, and returns that file.
func fakeHostname(t *testing.T, out string) string {
	t.Helper()
	dir := t.TempDir()
	marker := filepath.Join(dir, "started")
	script := "#!/bin/sh\necho \"$@\" >> '" + marker + "'\necho '" + out + "'\n"
	if err := os.WriteFile(filepath.Join(dir, "hostname"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return marker
}

// started reports the arguments of each start of the fake hostname.
func started(t *testing.T, marker string) []string {
	t.Helper()
	b, err := os.ReadFile(marker)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// On a machine whose /etc/nsswitch.conf has libc resolve host names from
// /etc/hosts and DNS only (this one, a default Debian), `hostname -i`
// (libc's getaddrinfo of the host name) answers what Go's resolver
// answered: the default resolver finds the source address without
// starting it (it cost 1.3 ms beside every scan, BENCHMARKS.md), with the
// same answer: the host name's loopback addresses are passed over, the
// interfaces give the address.
func TestDefaultResolverStartsNoHostnameWhereLibcReadsFilesAndDNS(t *testing.T) {
	conf, err := os.ReadFile("/etc/nsswitch.conf")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == "hosts:" {
			for _, s := range f[1:] {
				if s != "files" && s != "dns" && !strings.HasPrefix(s, "[") {
					t.Skipf("/etc/nsswitch.conf: %q: libc reads %s, which Go's resolver does not", strings.TrimSpace(line), s)
				}
			}
		}
	}
	marker := fakeHostname(t, "192.0.2.9")
	r := signatures.DefaultResolver()
	r.Getenv = func(string) string { return "" }
	r.Hostname = func() (string, error) { return "box", nil }
	r.LookupHost = func(context.Context, string) ([]string, error) { return []string{"127.0.1.1"}, nil }
	r.InterfaceAddrs = func() ([]netip.Addr, error) { return addrs("127.0.0.1", "192.0.2.2", "fd00::2"), nil }
	if got, want := r.Resolve(), (signatures.SourceIPs{IPv4: "192.0.2.2", IPv6: "fd00::2"}); got != want {
		t.Errorf("Resolve() = %+v, want %+v", got, want)
	}
	if s := started(t, marker); s != nil {
		t.Errorf("hostname started %d times (%q)", len(s), s)
	}
}
