//go:build linux

package cloudscan

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
			e, p, f := hangingHelper(t, tt.callTimeout)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan framework.ToolOutput, 1)
			go func() { done <- e.Execute(ctx, newInject(t, []signatures.CloudConfig{euWest1}, p)) }()

			wait, stop := context.WithTimeout(t.Context(), helperBound)
			defer stop()
			pids, err := helperPids(wait, f, done) // the helper is running
			if err != nil {
				t.Fatal(err)
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

// helperBound bounds the wait for the credential_process to say its pids:
// far longer than starting a shell takes, short of go test's own timeout.
const helperBound = 2 * time.Minute

// helperPids reads the line of pids the credential_process writes to fifo
// (held open read-write by the caller, who closes it to end the read). It
// fails rather than waiting on when Execute returns first (the helper never
// ran) or ctx ends.
func helperPids(ctx context.Context, fifo *os.File, done <-chan framework.ToolOutput) ([]int, error) {
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(fifo).ReadString('\n')
		line <- s
	}()
	var s string
	select {
	case s = <-line:
	case out := <-done:
		return nil, fmt.Errorf("Execute returned (status %s, %+v) before the credential_process said its pids: it never ran", out.ExecutionStatus(), out.ErrorInfo)
	case <-ctx.Done():
		return nil, fmt.Errorf("the credential_process said no pids: %w", context.Cause(ctx))
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("helper said %q", s)
		}
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("helper said %q", s)
	}
	return pids, nil
}

// TestHelperPidsIsBounded: the wait for the credential_process's pids ends
// when the pids come, when Execute returns without running it, and when
// the test's time runs out, never blocking the test for good.
func TestHelperPidsIsBounded(t *testing.T) {
	for _, tt := range []struct {
		name    string
		write   string
		done    bool
		cancel  bool
		want    []int
		wantErr string
	}{
		{"pids said", "12 34\n", false, false, []int{12, 34}, ""},
		{"Execute returned first", "", true, false, nil, "before the credential_process said its pids"},
		{"time ran out", "", false, true, nil, "said no pids: context canceled"},
		{"not pids", "oops\n", false, false, nil, `helper said "oops\n"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "pids")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(fifo, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if tt.write != "" {
				if err := os.WriteFile(fifo, []byte(tt.write), 0); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan framework.ToolOutput, 1)
			if tt.done {
				done <- framework.ToolOutput{}
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			got, err := helperPids(ctx, f, done)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want one saying %q", err, tt.wantErr)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("pids %v, want %v", got, tt.want)
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

// hangingHelper configures an executor whose profile's credential_process
// says its pid and its child's on a FIFO, then waits for the child (a
// `sleep 300`), its calls limited by callTimeout; it returns the FIFO,
// held open read-write (so that neither side's open waits for the other
// and a read of it can be bounded), closed when the test ends.
func hangingHelper(t *testing.T, callTimeout string) (*Executor, *Params, *os.File) {
	t.Helper()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pids")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	e, p, _ := helperExecutor(t, "sleep 300 &\necho \"$$ $!\" > '"+fifo+"'\nwait\n", callTimeout)
	f, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return e, p, f
}

// helperExecutor configures an executor against the AWS stand-in whose
// profile's credential_process is a shell script of body, with no
// credentials in the environment, its calls limited by callTimeout; the
// stand-in records the calls.
func helperExecutor(t *testing.T, body, callTimeout string) (*Executor, *Params, *standIn) {
	t.Helper()
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	script := filepath.Join(t.TempDir(), "credproc.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	writeSharedFiles(t, "[profile pp]\ncredential_process = "+script+"\n", "")
	st := newStandIn(t, nil, fixtures())
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, []byte(`{"call_timeout":"`+callTimeout+`"}`), st.URL())
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
		t.Fatal(err)
	}
	return e, p, st
}
