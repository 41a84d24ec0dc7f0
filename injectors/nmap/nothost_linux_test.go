//go:build linux

package nmap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
)

// notHostHelperEnv runs TestNotAHostHelper as a child, in the
// namespaces TestIntegrationNameResolvingToNoHost made.
const notHostHelperEnv = "NMAPTEST_NOT_A_HOST_HELPER"

// notHostLine starts the line TestNotAHostHelper prints its
// outcome on.
const notHostLine = "not-a-host-outcome: "

// notHostOutcome is what TestNotAHostHelper saw of its run.
type notHostOutcome struct {
	Port        int               `json:"port"`
	NotReached  map[string]string `json:"not_reached"`
	ScanResults []ScanResult      `json:"scan_results"`
}

// notHostNames are the names /etc/hosts gives addresses that are no
// host in TestIntegrationNameResolvingToNoHost's namespaces, and the
// address of each.
var notHostNames = map[string]netip.Addr{
	"sinkholed.test": netip.MustParseAddr("0.0.0.0"),
	"mcast.test":     netip.MustParseAddr("224.0.0.5"),
	"bcast.test":     netip.MustParseAddr("255.255.255.255"),
}

// TestNotAHostHelper is the child of
// TestIntegrationNameResolvingToNoHost: in network and mount namespaces
// of its own, where /etc/hosts names notHostNames, it opens a listener on
// 127.0.0.1, scans those names and 127.0.0.1 with the real nmap and
// prints what came of it on one line.
func TestNotAHostHelper(t *testing.T) {
	if os.Getenv(notHostHelperEnv) == "" {
		t.Skip("run by TestIntegrationNameResolvingToNoHost")
	}
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: strconv.Itoa(port), Timing: 4},
		"sinkholed.test", "mcast.test", "bcast.test", "127.0.0.1")
	printOutcome(t, notHostLine, port, cfg)
}

// printOutcome runs the inject in with the real nmap and prints, after
// line, what came of it (a helper child's one line to its parent test).
func printOutcome(t *testing.T, line string, port int, in *framework.Inject) {
	t.Helper()
	out := New().Execute(context.Background(), in)
	o := notHostOutcome{Port: port, NotReached: map[string]string{}}
	for tg, why := range out.Unreached {
		c, _ := tg.Network()
		o.NotReached[c.Value()] = why
	}
	o.ScanResults, _ = out.Findings[FieldScanResults].([]ScanResult)
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(line + string(b))
}

// readOutcome runs cmd, a helper test in namespaces of its own, with
// env set, and reads the outcome the helper printed on the line that
// starts with line (printOutcome).
func readOutcome(t *testing.T, cmd *exec.Cmd, env, line string) notHostOutcome {
	t.Helper()
	cmd.Env = append(os.Environ(), env+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s\n%s", err, stdout, stderr.String())
	}
	var o notHostOutcome
	found := false
	for sc := bufio.NewScanner(bytes.NewReader(stdout)); sc.Scan(); {
		if rest, ok := strings.CutPrefix(sc.Text(), line); ok {
			if err := json.Unmarshal([]byte(rest), &o); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("helper printed no outcome:\n%s\n%s", stdout, stderr.String())
	}
	return o
}

// A host name that resolves to an address that is no host is not
// scanned, and is named not reached: nmap scanned 0.0.0.0 (a DNS
// sinkhole's answer for a blocked name, an ad-blocking /etc/hosts line),
// the injector's own host, whose open ports became the target's
// scan_results (on its asset) and its signatures a success, and reported
// a multicast and the limited broadcast address, whose every connect()
// the kernel refuses, as scanned with nothing open, a success too; each
// address given as a target is refused. Run with the real nmap in network
// and mount namespaces of the test's own (unshare: lo alone, a default
// route on it, so that the kernel's route lookup finds one), /etc/hosts
// bound to a file of the test's, the machine's untouched.
func TestIntegrationNameResolvingToNoHost(t *testing.T) {
	testkit.Integration(t, "nmap", "unshare", "ip")
	if out, err := exec.Command("unshare", "-n", "-m", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare of network and mount namespaces not permitted here (%v: %s)", err, bytes.TrimSpace(out))
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	var lines strings.Builder
	for name, a := range notHostNames {
		fmt.Fprintf(&lines, "%s %s\n", a, name)
	}
	if err := os.WriteFile(hosts, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-n", "-m", "--propagation", "private", "sh", "-c",
		`ip link set lo up && ip route add default dev lo && mount --bind "$1" /etc/hosts && shift && exec "$@"`, "sh", hosts,
		os.Args[0], "-test.run", "^TestNotAHostHelper$", "-test.count", "1")
	o := readOutcome(t, cmd, notHostHelperEnv, notHostLine)
	for name, a := range notHostNames {
		if got, want := o.NotReached[name], whyNotAHost(a); got != want {
			t.Errorf("%s: not reached %q, want %q", name, got, want)
		}
	}
	o.checkRows(t, func(target string) bool { return notHostNames[target].IsValid() })
}

// checkRows checks the rows of o: none for a target unreached names, and
// the helper's listener on 127.0.0.1 found open, its host reached (the
// scan ran).
func (o notHostOutcome) checkRows(t *testing.T, unreached func(target string) bool) {
	t.Helper()
	open127 := false
	for _, r := range o.ScanResults {
		switch {
		case unreached(r.Target):
			t.Errorf("%s got a row of host %s: %+v", r.Target, r.Host, r)
		case r.Target == "127.0.0.1" && r.Port == o.Port:
			open127 = true
		}
	}
	if !open127 {
		t.Errorf("127.0.0.1: port %d not found open (the scan did not run?): %+v", o.Port, o.ScanResults)
	}
	if why, ok := o.NotReached["127.0.0.1"]; ok {
		t.Errorf("127.0.0.1 not reached: %s", why)
	}
}
