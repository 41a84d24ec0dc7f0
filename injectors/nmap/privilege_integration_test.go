package nmap

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// privilegeHelperEnv runs TestPrivilegeHelper as a child: the syn scan of
// the loopback port it names.
const privilegeHelperEnv = "NMAPTEST_PRIVILEGE_HELPER_PORT"

// TestPrivilegeHelper is the child of TestIntegrationRawSocketPrivileges:
// with the privileges setpriv gave it, it validates a syn scan of
// 127.0.0.1 and, when accepted, runs it with the real nmap, and prints
// what came of it on one line.
func TestPrivilegeHelper(t *testing.T) {
	port := os.Getenv(privilegeHelperEnv)
	if port == "" {
		t.Skip("run by TestIntegrationRawSocketPrivileges")
	}
	e := New()
	p := &Params{ScanType: ScanSYN, Ports: port, Timing: 4}
	if err := e.ValidateParams(p); err != nil {
		fmt.Println("refused:", err)
		return
	}
	cfg, _ := newInject(t, p, "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo != nil {
		fmt.Println("accepted, nmap failed:", out.ErrorInfo.Message)
		return
	}
	fmt.Println("accepted, open ports:", out.Findings["ports"])
}

// The check before a syn scan agrees with what nmap and the kernel do:
// root without CAP_NET_RAW is refused (nmap would fail, "Couldn't open a
// raw socket"), a user with CAP_NET_RAW and NMAP_PRIVILEGED is let
// through and its scan finds the open port, a user with CAP_NET_RAW alone
// is refused (nmap would say it needs root). The check looked at the uid
// alone.
func TestIntegrationRawSocketPrivileges(t *testing.T) {
	testkit.Integration(t, "nmap", "setpriv")
	if os.Geteuid() != 0 {
		t.Skip("setpriv needs root to change the uid and the capabilities")
	}
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
	// The test binary, where a user without privileges may run it.
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "nmap.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	user := []string{"--reuid", "65534", "--regid", "65534", "--clear-groups"}
	withNetRaw := []string{"--inh-caps", "+net_raw", "--ambient-caps", "+net_raw"}
	tests := []struct {
		name string
		args []string // setpriv's
		env  []string
		want string // the helper's line starts with it
	}{
		{"root without CAP_NET_RAW", []string{"--inh-caps", "-net_raw", "--bounding-set", "-net_raw"}, nil,
			"refused: invalid scan_type \"syn\": scan type needs root privileges: the process lacks CAP_NET_RAW"},
		{"a user with CAP_NET_RAW and NMAP_PRIVILEGED", append(user, withNetRaw...), []string{"NMAP_PRIVILEGED=1"},
			"accepted, open ports: [" + strconv.Itoa(port) + "]"},
		{"a user with CAP_NET_RAW alone", append(user, withNetRaw...), nil,
			"refused: invalid scan_type \"syn\": scan type needs root privileges: run as root, or with CAP_NET_RAW and NMAP_PRIVILEGED set"},
		{"a user without it", user, []string{"NMAP_PRIVILEGED=1"},
			"refused: invalid scan_type \"syn\": scan type needs root privileges: the process lacks CAP_NET_RAW"},
		{"root", nil, nil, "accepted, open ports: [" + strconv.Itoa(port) + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{}, tt.args...), "--", bin, "-test.run=^TestPrivilegeHelper$", "-test.v=false")
			cmd := exec.Command("setpriv", args...)
			cmd.Dir = dir
			cmd.Env = append(withoutNmapPrivileges(os.Environ()), append(tt.env, privilegeHelperEnv+"="+strconv.Itoa(port), "HOME="+dir)...)
			cmd.Stderr = io.Discard
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("setpriv %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			line, _, _ := strings.Cut(string(out), "\n")
			if !strings.HasPrefix(line, tt.want) {
				t.Errorf("got %q, want %q", line, tt.want)
			}
		})
	}
}

// withoutNmapPrivileges is environ less nmap's privilege variables.
func withoutNmapPrivileges(environ []string) []string {
	var out []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "NMAP_PRIVILEGED=") && !strings.HasPrefix(kv, "NMAP_UNPRIVILEGED=") {
			out = append(out, kv)
		}
	}
	return out
}
