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

// TestCredentialProcessEndsWithTheInject: the profile's credential_process
// hangs (a helper waiting on a child of its own); the inject is cancelled
// (Ctrl-C, --timeout, serve's shutdown) or ends with every call past
// call_timeout. Either way the helper and its child are gone once Execute
// has returned: nothing it started runs on under init.
func TestCredentialProcessEndsWithTheInject(t *testing.T) {
	for _, tt := range []struct {
		name        string
		callTimeout string
		cancel      bool
	}{
		{"inject cancelled", "30s", true},
		{"every call past call_timeout", "1s", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "")
			dir := t.TempDir()
			fifo := filepath.Join(dir, "pids")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			// The helper says its pid and its child's, then waits for the
			// child: the write blocks until the test reads it.
			script := filepath.Join(dir, "credproc.sh")
			body := "#!/bin/sh\nsleep 300 &\necho \"$$ $!\" > '" + fifo + "'\nwait\n"
			if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
				t.Fatal(err)
			}
			writeSharedFiles(t, "[profile pp]\ncredential_process = "+script+"\n", "")
			st := newStandIn(t, nil, fixtures())
			e := New(WithVersion(testVersion))
			p := decodeParams(t, e, []byte(`{"call_timeout":"`+tt.callTimeout+`"}`), st.URL())
			if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan framework.ToolOutput, 1)
			go func() { done <- e.Execute(ctx, newInject(t, []signatures.CloudConfig{euWest1}, p)) }()

			b, err := os.ReadFile(fifo) // the helper is running
			if err != nil {
				t.Fatal(err)
			}
			var pids []int
			for _, f := range strings.Fields(string(b)) {
				pid, err := strconv.Atoi(f)
				if err != nil {
					t.Fatalf("helper said %q", b)
				}
				pids = append(pids, pid)
			}
			if tt.cancel {
				cancel()
			}
			out := <-done
			if out.ExecutionStatus() == framework.StatusSuccess {
				t.Errorf("status %s without credentials", out.ExecutionStatus())
			}
			for _, pid := range pids {
				if !endsWithin(pid, 10*time.Second) {
					t.Errorf("pid %d of the credential_process still runs after Execute returned", pid)
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		})
	}
}

// endsWithin polls /proc until process pid is gone or a zombie (killed,
// not yet reaped by init), at most bound.
func endsWithin(pid int, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// pid (comm) state …: the state follows the last ')'.
		if i := strings.LastIndexByte(string(b), ')'); i >= 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
}
