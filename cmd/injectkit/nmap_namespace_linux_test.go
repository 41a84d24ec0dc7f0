//go:build linux

package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// namespaceHosts names hosts of several addresses each, all of them on lo
// of the network namespace nsScript makes, in an order glibc's
// getaddrinfo changes (RFC 6724 section 6): loopback.test's loopback
// address first (rule 8: the smaller scope), scope.test's address of a
// global source first (rule 2: 169.254.7.7 is routed from 10.152.0.1, a
// source not of its scope), self.test's address of the machine's own
// first (rule 9, as glibc applies it to IPv4).
const namespaceHosts = `10.152.0.1 loopback.test
127.0.0.5 loopback.test
169.254.7.7 scope.test
10.153.0.4 scope.test
10.200.0.9 self.test
10.153.0.1 self.test
`

// nsScript sets a new network namespace's lo up with two networks and
// routes, binds $1 over /etc/hosts in a new mount namespace (no name
// goes to a name server), runs the injectkit binary $2 on the hosts of
// namespaceHosts, then nmap on them as injectkit runs it, then prints,
// for every address of namespaceHosts, the source on the kernel's route
// to it. Nothing leaves the namespace: it has lo alone.
const nsScript = `set -e
ip link set lo up
ip addr add 10.152.0.1/24 dev lo
ip addr add 10.153.0.1/24 dev lo
ip route add 169.254.7.0/24 dev lo src 10.152.0.1
ip route add 10.200.0.0/16 dev lo src 10.152.0.1
mount --bind "$1" /etc/hosts
"$2" run nmap --target loopback.test --target scope.test --target self.test --param ports=1 --outbox none -o json
echo '--- nmap'
nmap -sT -Pn -n -p 1 -oX - loopback.test scope.test self.test 2>/dev/null
echo '--- routes'
for a in $(awk '{print $1}' "$1"); do ip -o -4 route get "$a"; done
`

// The source_ipv4 of a host-name target is the source of the address nmap
// scans, when the name has several: nmap scans the first address glibc's
// getaddrinfo returns, which it sorts (RFC 6724), not the resolver's
// first (/etc/hosts order), t152's finding. Run in network and mount
// namespaces of the test's own (unshare), with the real nmap, whose XML
// says which address it scanned.
func TestIntegrationHostNameSourceIsTheScannedAddress(t *testing.T) {
	testkit.Integration(t, "nmap", "unshare", "ip")
	if out, err := exec.Command("unshare", "-n", "-m", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare of network and mount namespaces not permitted here (%v: %s): the test needs them to give lo addresses and bind /etc/hosts without touching the machine's", err, bytes.TrimSpace(out))
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte(namespaceHosts), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-n", "-m", "--propagation", "private", "sh", "-c", nsScript, "sh", hosts, bin)
	// No CONTAINER_IP: it would pin every source_ipv4.
	env := []string{"XDG_STATE_HOME=" + t.TempDir()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONTAINER_IP=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr.String())
	}
	run, rest, _ := strings.Cut(string(out), "--- nmap\n")
	report, routeLines, _ := strings.Cut(rest, "--- routes\n")

	sourceOf := map[string]string{} // address → source on the route to it
	for _, l := range strings.Split(strings.TrimSpace(routeLines), "\n") {
		// "[local] DST [via GW] dev DEV src SRC ..."
		f := strings.Fields(strings.TrimPrefix(l, "local "))
		for i := 1; i+1 < len(f); i++ {
			if f[i] == "src" {
				sourceOf[f[0]] = f[i+1]
			}
		}
	}
	var xr struct {
		Hosts []struct {
			Addrs []struct {
				Addr string `xml:"addr,attr"`
			} `xml:"address"`
			Names []struct {
				Name string `xml:"name,attr"`
			} `xml:"hostnames>hostname"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal([]byte(report), &xr); err != nil {
		t.Fatalf("nmap's XML: %v\n%s", err, report)
	}
	scanned := map[string]string{} // host name → the address nmap scanned
	for _, h := range xr.Hosts {
		if len(h.Addrs) > 0 && len(h.Names) > 0 {
			scanned[h.Names[0].Name] = h.Addrs[0].Addr
		}
	}

	body := transporttest.PrintedBody(t, run)
	if len(body.ExpectationSignature.Targets) != 3 {
		t.Fatalf("want 3 targets, got %s", run)
	}
	for _, tg := range body.ExpectationSignature.Targets {
		for _, g := range tg.SignatureValues {
			m := g.Map()
			name, _ := m["target_hostname"].(string)
			addr, ok := scanned[name]
			if !ok {
				t.Fatalf("nmap scanned no address of %q:\n%s", name, report)
			}
			want, ok := sourceOf[addr]
			if !ok {
				t.Fatalf("no route source of %s:\n%s", addr, routeLines)
			}
			if got := m["source_ipv4"]; got != want {
				t.Errorf("%s: source_ipv4 %v, want %s, the source of %s, the address nmap scanned", name, got, want, addr)
			}
		}
	}
}
