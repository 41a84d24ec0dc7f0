//go:build linux

package nmap

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// downHelperEnv runs TestDownNeighbourHelper as a child, in the network
// namespace TestIntegrationDownOnLocalNetwork made.
const downHelperEnv = "NMAPTEST_DOWN_NEIGHBOUR_HELPER"

// downLine starts the line TestDownNeighbourHelper prints its outcome on.
const downLine = "down-neighbour-outcome: "

// downAddr is an address of the namespace's own /24 that no host holds.
const downAddr = "10.77.0.9"

// TestDownNeighbourHelper is the child of
// TestIntegrationDownOnLocalNetwork: in a network namespace of its own,
// 10.77.0.1/24 on one end of a veth pair, it opens a listener on
// 127.0.0.1, scans it and downAddr with the real nmap (a connect scan) and
// prints what came of it on one line.
func TestDownNeighbourHelper(t *testing.T) {
	if os.Getenv(downHelperEnv) == "" {
		t.Skip("run by TestIntegrationDownOnLocalNetwork")
	}
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: "22," + strconv.Itoa(port), Timing: 4}, "127.0.0.1", downAddr)
	printOutcome(t, downLine, port, cfg)
}

// An address on the machine's own network that no host holds got only
// ARP requests, which nothing answered, and no probe: nmap (-Pn) reports
// its host, every port filtered for no-response, which read as scanned
// with no open port (ports_discovered [], a success of its own). It is
// named not reached. Run with the real nmap in a network namespace of the
// test's own (unshare: a veth pair, 10.77.0.1/24 on one end), the
// machine's network untouched.
func TestIntegrationDownOnLocalNetwork(t *testing.T) {
	testkit.Integration(t, "nmap", "unshare", "ip")
	if out, err := exec.Command("unshare", "-n", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare of a network namespace not permitted here (%v: %s)", err, bytes.TrimSpace(out))
	}
	cmd := exec.Command("unshare", "-n", "sh", "-c",
		`ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.77.0.1/24 dev v0 &&
		ip link set v0 up && ip link set v1 up && exec "$@"`, "sh",
		os.Args[0], "-test.run", "^TestDownNeighbourHelper$", "-test.count", "1")
	o := readOutcome(t, cmd, downHelperEnv, downLine)
	if got := o.NotReached[downAddr]; got != whyNoNeighbour {
		t.Errorf("%s: not reached %q, want %q", downAddr, got, whyNoNeighbour)
	}
	o.checkRows(t, func(target string) bool { return target == downAddr })
}
