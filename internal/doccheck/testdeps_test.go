package doccheck

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTestDepsOnAFreshMachine runs scripts/testdeps.sh, which make test
// runs first (the README's second command, on a fresh Debian machine as
// root: tester t169 found `go test -race` failing there for want of gcc,
// which only .ci/run installed), with a PATH holding only stand-ins for
// id and apt-get, so that gcc, nmap, make… are missing: as root it
// installs them with apt-get, naming each; as another user it names them
// and the command that installs them, and fails, as the race detector
// cannot build without gcc. The root case needs RabbitMQ on
// 127.0.0.1:5672, which the script starts otherwise.
func TestTestDepsOnAFreshMachine(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	root := repoRoot(t)
	if _, err := exec.LookPath("make"); err == nil {
		mk := exec.Command("make", "--no-print-directory", "-n", "test")
		mk.Dir = root
		out, err := mk.Output()
		if err != nil || !strings.HasPrefix(string(out), "scripts/testdeps.sh\n") {
			t.Errorf("make -n test does not run scripts/testdeps.sh first (%v):\n%s", err, out)
		}
	}
	for _, tc := range []struct {
		name     string
		uid      string
		wantExit int
		stderr   []string // each in the script's stderr
		aptGet   []string // each in apt-get's arguments ("" for no call)
	}{
		{"root installs what is missing", "0", 0, nil, []string{"update", "install -y --no-install-recommends make gcc", " nmap"}},
		{"another user is told", "1000", 1, []string{"testdeps: missing make gcc", "apt-get install -y make gcc", "needs gcc and libc6-dev"}, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.uid == "0" && !brokerListens() {
				t.Skip("RabbitMQ does not listen on 127.0.0.1:5672: the script would start it")
			}
			bin := t.TempDir()
			calls := filepath.Join(t.TempDir(), "apt-get.calls")
			stub := func(name, script string) {
				if err := os.WriteFile(filepath.Join(bin, name), []byte("#!"+bash+"\n"+script), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			stub("id", "echo "+tc.uid+"\n")
			stub("apt-get", `echo "$*" >> `+calls+"\n")
			cmd := exec.Command(bash, filepath.Join(root, "scripts", "testdeps.sh"))
			cmd.Env = []string{"PATH=" + bin}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantExit {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.wantExit, stderr.String())
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr.String())
				}
			}
			got, _ := os.ReadFile(calls)
			for _, w := range tc.aptGet {
				if w == "" && len(got) > 0 || w != "" && !strings.Contains(string(got), w) {
					t.Errorf("apt-get was called with\n%s\nwant %q", got, w)
				}
			}
		})
	}
}

// brokerListens reports whether something accepts connections on
// RabbitMQ's port on loopback.
func brokerListens() bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:5672", 5*time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
