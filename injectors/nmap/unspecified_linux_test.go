//go:build linux

package nmap

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// unspecifiedHelperEnv runs TestUnspecifiedHelper as a child, in the
// namespaces TestIntegrationNameResolvingToUnspecified made.
const unspecifiedHelperEnv = "NMAPTEST_UNSPECIFIED_HELPER"

// unspecifiedLine starts the line TestUnspecifiedHelper prints its
// outcome on.
const unspecifiedLine = "unspecified-outcome: "

// unspecifiedOutcome is what TestUnspecifiedHelper saw of its run.
type unspecifiedOutcome struct {
	Port        int               `json:"port"`
	NotReached  map[string]string `json:"not_reached"`
	ScanResults []ScanResult      `json:"scan_results"`
}

// TestUnspecifiedHelper is the child of
// TestIntegrationNameResolvingToUnspecified: in network and mount
// namespaces of its own, where /etc/hosts names sinkholed.test 0.0.0.0,
// it opens a listener on 127.0.0.1, scans sinkholed.test and 127.0.0.1
// with the real nmap and prints what came of it on one line.
func TestUnspecifiedHelper(t *testing.T) {
	if os.Getenv(unspecifiedHelperEnv) == "" {
		t.Skip("run by TestIntegrationNameResolvingToUnspecified")
	}
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: strconv.Itoa(port), Timing: 4},
		"sinkholed.test", "127.0.0.1")
	out := New().Execute(context.Background(), cfg)
	o := unspecifiedOutcome{Port: port, NotReached: map[string]string{}}
	for tg, why := range out.Unreached {
		c, _ := tg.Network()
		o.NotReached[c.Value()] = why
	}
	o.ScanResults, _ = out.Findings[FieldScanResults].([]ScanResult)
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(unspecifiedLine + string(b))
}

// A host name that resolves to the unspecified address (a DNS sinkhole's
// answer for a blocked name, an ad-blocking /etc/hosts line) is not
// scanned: nmap scanned it at 0.0.0.0, the injector's own host, whose
// open ports became the target's scan_results (on its asset) and its
// signatures a success, where the address 0.0.0.0 given as a target is
// refused. Run with the real nmap in network and mount namespaces of the
// test's own (unshare), /etc/hosts bound to a file of the test's, the
// machine's untouched.
func TestIntegrationNameResolvingToUnspecified(t *testing.T) {
	testkit.Integration(t, "nmap", "unshare", "ip")
	if out, err := exec.Command("unshare", "-n", "-m", "true").CombinedOutput(); err != nil {
		t.Skipf("unshare of network and mount namespaces not permitted here (%v: %s)", err, bytes.TrimSpace(out))
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("0.0.0.0 sinkholed.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "-n", "-m", "--propagation", "private", "sh", "-c",
		`ip link set lo up && mount --bind "$1" /etc/hosts && shift && exec "$@"`, "sh", hosts,
		os.Args[0], "-test.run", "^TestUnspecifiedHelper$", "-test.count", "1")
	cmd.Env = append(os.Environ(), unspecifiedHelperEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s\n%s", err, stdout, stderr.String())
	}
	var o unspecifiedOutcome
	found := false
	for sc := bufio.NewScanner(bytes.NewReader(stdout)); sc.Scan(); {
		if line, ok := strings.CutPrefix(sc.Text(), unspecifiedLine); ok {
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatal(err)
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("helper printed no outcome:\n%s\n%s", stdout, stderr.String())
	}
	if got := o.NotReached["sinkholed.test"]; got != whyUnspecified {
		t.Errorf("sinkholed.test: not reached %q, want %q", got, whyUnspecified)
	}
	open127 := false
	for _, r := range o.ScanResults {
		switch {
		case r.Target == "sinkholed.test":
			t.Errorf("sinkholed.test got a row of the injector's own host: %+v", r)
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
