//go:build unix

package doccheck

// The block's process group is killed at the end: unix only, as the
// README's bash block is.

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestQueryExampleBlock runs the query injector README's Example as a
// script, its files moved to a temporary directory: it builds injectkit
// and the Shodan stand-in, waits for the stand-in's URL file, runs the
// query injector against it, which prints the signature bodies (no
// backend), and stops the stand-in by its process id. A `go run` of the
// stand-in in the background, or a fixed port, made the run start before
// the stand-in listened.
func TestQueryExampleBlock(t *testing.T) {
	bash, root, md := blockDoc(t, "builds injectkit and the Shodan stand-in", "injectors", "query", "README.md")
	script := fenced(t, md, "sh", "shodan-standin")
	w := t.TempDir()
	script = strings.NewReplacer("bin/", w+"/bin/", "/tmp/shodan.url", w+"/shodan.url",
		" inject.json", " "+filepath.Join(w, "inject.json")).Replace(script)
	cmd := exec.Command(bash, "-c", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(w, "state"), "INJECTKIT_SHODAN_BASE_URL=", "INJECTKIT_SHODAN_API_KEY=")
	// A process the block leaves running in the background (a stand-in
	// not stopped) holds stdout open: the wait ends 10 s after bash, and
	// the block's process group is killed when the test ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 10 * time.Second
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the block failed: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{`"signature_value":"apache"`, `CVE-2021-41773`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the run printed no %s\nstdout: %s\nstderr: %s", want, stdout.String(), stderr.String())
		}
	}
}
