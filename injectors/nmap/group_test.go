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
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

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
			b, _ := os.ReadFile(filepath.Join(dir, "child"))
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // a test that fails leaves no sleep behind
			testkit.WaitFor(t, 5*time.Second, fmt.Sprintf("child %d to die with nmap's process group", pid), func() bool { return !alive(pid) })
		})
	}
}
