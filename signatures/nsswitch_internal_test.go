package signatures

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// libcAgrees decides whether `hostname -i` is started: true only where
// glibc's getaddrinfo reads nothing Go's resolver did not.
func TestLibcAgrees(t *testing.T) {
	const debianHosts = "127.0.0.1\tlocalhost\n127.0.1.1\tbox.example.org\tbox\n\n# IPv6\n::1     localhost ip6-localhost ip6-loopback\n"
	tests := []struct {
		name     string
		nsswitch string
		hosts    string
		host     string
		want     bool
	}{
		{"default Debian", "passwd: files\nhosts:          files dns\nnetworks: files\n", debianHosts, "box", true},
		{"this machine", "hosts:          files dns\n", "127.0.0.1 localhost\n127.0.0.1 vm\n", "vm", true},
		{"no nsswitch.conf: glibc's default", "", "", "box", true},
		{"no hosts line: glibc's default", "passwd: files\n", "", "box", true},
		{"dns first, with an action", "hosts: dns [!UNAVAIL=return] files\n", "", "box", true},
		{"action with spaces", "hosts: files [ NOTFOUND = return ] dns\n", "", "box", true},
		{"commented source", "hosts: files dns # myhostname\n", "", "box", true},
		{"myhostname, name in /etc/hosts after files", "hosts: files myhostname dns\n", debianHosts, "box", true},
		{"mdns, name in /etc/hosts in another case", "hosts: files mdns4_minimal [NOTFOUND=return] dns\n", debianHosts, "BOX", true},
		{"myhostname, name not in /etc/hosts", "hosts: files myhostname dns\n", debianHosts, "other", false},
		{"name only in a comment", "hosts: files myhostname dns\n", "127.0.1.1 localhost # box\n", "box", false},
		{"name on a line with no address", "hosts: files myhostname dns\n", "box\nnot-an-address box\n", "box", false},
		{"myhostname before files", "hosts: myhostname files dns\n", debianHosts, "box", false},
		{"files with an action of its own", "hosts: files [SUCCESS=continue] ldap dns\n", debianHosts, "box", false},
		{"resolve", "hosts: resolve [!UNAVAIL=return] dns\n", debianHosts, "box", false},
		{"no host name", "hosts: files myhostname\n", debianHosts, "", false},
		{"the last hosts line counts", "hosts: files ldap\nhosts: files dns\n", "", "other", true},
		{"the last hosts line counts, other way", "hosts: files dns\nhosts: ldap files\n", debianHosts, "box", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var conf []byte
			if tt.nsswitch != "" {
				conf = []byte(tt.nsswitch)
			}
			if got := libcAgrees(conf, func() []byte { return []byte(tt.hosts) }, tt.host); got != tt.want {
				t.Errorf("libcAgrees(%q, %q, %q) = %v, want %v", tt.nsswitch, tt.hosts, tt.host, got, tt.want)
			}
		})
	}
}

// DefaultResolver's HostnameI starts `hostname -i` (found on PATH) where
// libc may read a source Go's resolver does not, and not otherwise.
func TestLibcHostnameIStartsHostnameOnlyWhereLibcMayDiffer(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "started")
	script := "#!/bin/sh\necho \"$@\" >> '" + marker + "'\necho '192.0.2.9 2001:db8::9'\n"
	if err := os.WriteFile(filepath.Join(dir, "hostname"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.1.1 box\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, nsswitch, host string
		wantOut              string
		wantErr              error
		wantStarts           int
	}{
		{"files and dns", "hosts: files dns\n", "box", "", errLibcAgrees, 0},
		{"no nsswitch.conf", "", "box", "", errLibcAgrees, 0},
		{"files first, name in /etc/hosts", "hosts: files myhostname dns\n", "box", "", errLibcAgrees, 0},
		{"myhostname may answer", "hosts: files myhostname dns\n", "other", "192.0.2.9 2001:db8::9\n", nil, 1},
		{"ldap first", "hosts: ldap files dns\n", "box", "192.0.2.9 2001:db8::9\n", nil, 1},
	}
	starts := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "nsswitch.conf")
			if tt.nsswitch != "" {
				if err := os.WriteFile(conf, []byte(tt.nsswitch), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := libcHostnameI(conf, hosts)(context.Background(), tt.host)
			if out != tt.wantOut || !errors.Is(err, tt.wantErr) {
				t.Errorf("HostnameI(%q) = %q, %v; want %q, %v", tt.host, out, err, tt.wantOut, tt.wantErr)
			}
			b, _ := os.ReadFile(marker)
			now := strings.Count(string(b), "-i\n")
			if got := now - starts; got != tt.wantStarts {
				t.Errorf("hostname -i started %d times, want %d", got, tt.wantStarts)
			}
			starts = now
		})
	}
}
