//go:build linux

package cloudscan

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestCredentialProcessChildHoldsStdout: the profile's credential_process
// prints its credentials and exits 0, leaving a child running that holds
// its standard output open. Once the process has exited, its output is
// taken when it is the credentials alone (the calls are signed with
// them), and refused with an error naming the cause when the child wrote
// there too; either way the child is killed with the helper's process
// group and nothing it started outlives the run.
func TestCredentialProcessChildHoldsStdout(t *testing.T) {
	creds := `{"Version":1,"AccessKeyId":"` + procKeyID + `","SecretAccessKey":"` + procSecret + `"}`
	for _, tt := range []struct {
		name    string
		child   string // what the child left running does, holding stdout
		wantErr string // "" when the credentials are taken
	}{
		{"output the credentials alone", "sleep 300", ""},
		{"the child writes there too", "echo late; sleep 300",
			"a child of the credential_process kept its standard output open after the process exited"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			e, p, st := helperExecutor(t, "("+tt.child+") &\necho $! > '"+pidFile+"'\necho '"+creds+"'\n", "30s")
			out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))

			b, err := os.ReadFile(pidFile)
			if err != nil {
				t.Fatal(err)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("child pid %q: %v", b, err)
			}
			if !endsWithin(pid, 10*time.Second) {
				t.Errorf("the credential_process's child %d still runs after the run", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			if tt.wantErr == "" {
				if out.ExecutionStatus() != framework.StatusSuccess {
					t.Fatalf("status %s (%+v), want success with the process's credentials", out.ExecutionStatus(), out.ErrorInfo)
				}
				for _, c := range st.calls() {
					if c.AccessKeyID != procKeyID {
						t.Errorf("call %s signed with %q, want the process's %q", c.Event, c.AccessKeyID, procKeyID)
					}
				}
				return
			}
			if out.ExecutionStatus() != framework.StatusFailed || !strings.Contains(out.ErrorInfo.Message, tt.wantErr) {
				t.Errorf("status %s, message %+v; want failed, saying %q", out.ExecutionStatus(), out.ErrorInfo, tt.wantErr)
			}
			if strings.Contains(out.ErrorInfo.Message, procSecret) || strings.Contains(out.ErrorInfo.Message, "late") {
				t.Errorf("message quotes the output: %s", out.ErrorInfo.Message)
			}
			if n := len(st.calls()); n != 0 {
				t.Errorf("%d calls made without credentials", n)
			}
		})
	}
}
