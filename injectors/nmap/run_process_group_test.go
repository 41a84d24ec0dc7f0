//go:build unix

package nmap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// TestRunnerKillsProcessGroup cancels a run whose nmap left a child behind:
// both are killed, and the runner returns the context's error.
func TestRunnerKillsProcessGroup(t *testing.T) {
	dir := fakeNmap(t, `sleep 300 &
echo $! >"$DIR/child"
echo started
wait`)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	done := make(chan error, 1)
	go func() {
		done <- runNmap(ctx, nil, strings.NewReader(""), pw, nil)
		pw.Close()
	}()
	buf := make([]byte, 8)
	if _, err := pr.Read(buf); err != nil { // the script is running
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("runNmap = %v, want context.Canceled", err)
	}
	childDies(t, dir, "of the cancellation")
}

// TestRunnerEndsProcessGroupOnExit: once nmap ends on its own, what it
// started is killed with its process group: a child left by an nmap
// killed by a signal does not outlive it, and one that holds nmap's output
// open after nmap exited 0 neither fails the run nor costs it the report
// nmap wrote.
func TestRunnerEndsProcessGroupOnExit(t *testing.T) {
	const report = `<?xml version="1.0"?><nmaprun scanner="nmap"></nmaprun>`
	tests := []struct {
		name   string
		script string
		signal bool // nmap killed by a signal: an ExitError naming it, not nil
	}{
		{"nmap killed, a child left", `sleep 300 &
echo $! >"$DIR/child"
kill -9 $$`, true},
		{"nmap exited 0, a child holding its output", `echo '` + report + `'
sleep 300 &
echo $! >"$DIR/child"
exit 0`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeNmap(t, tt.script)
			var out bytes.Buffer
			err := runNmap(context.Background(), nil, strings.NewReader(""), &out, nil)
			var ee *ExitError
			switch {
			case tt.signal && (!errors.As(err, &ee) || ee.Signal == nil):
				t.Errorf("runNmap = %v, want nmap killed by a signal", err)
			case !tt.signal && err != nil:
				t.Errorf("runNmap = %v, want nil", err)
			case !tt.signal && strings.TrimSpace(out.String()) != report:
				t.Errorf("stdout %q, want the report %q", out.String(), report)
			}
			childDies(t, dir, "with nmap's process group")
		})
	}
}

// childDies waits until the child whose pid a fake nmap wrote to
// $DIR/child has died (why says of what); a test that fails leaves no
// sleep behind.
func childDies(t *testing.T, dir, why string) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "child"))
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	testkit.WaitFor(t, testkit.Hang, fmt.Sprintf("child %d to die %s", pid, why), func() bool { return !alive(pid) })
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat))
	return len(f) > 2 && f[2] != "Z"
}
