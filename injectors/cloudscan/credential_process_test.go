//go:build linux

package cloudscan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"

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
	st.knowKey(procKeyID, procSecret, "")
	e := New(WithVersion(testVersion))
	p := decodeParams(t, e, []byte(`{"call_timeout":"`+callTimeout+`"}`), st.URL())
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL(), SettingProfile: "pp"}); err != nil {
		t.Fatal(err)
	}
	return e, p, st
}

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

// ttyChildEnv makes TestCredentialProcessPromptsOnTheTerminal run as the
// child it starts on a terminal: its value is the helper's path.
const ttyChildEnv = "INJECTKIT_TEST_TTY_HELPER"

// TestCredentialProcessPromptsOnTheTerminal: injectkit runs in the
// foreground of a terminal (script's pseudo-terminal), its profile's
// credential_process asks for an MFA code on /dev/tty. The code typed is
// read, as when the helper runs from a shell; Ctrl-C at the prompt ends
// the helper and reaches injectkit as a Ctrl-C of its own.
func TestCredentialProcessPromptsOnTheTerminal(t *testing.T) {
	if helper := os.Getenv(ttyChildEnv); helper != "" {
		ttyChild(helper)
		return
	}
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not on PATH: no terminal to run under")
	}
	helper := filepath.Join(t.TempDir(), "mfa.sh")
	body := "#!/bin/sh\nprintf 'code: ' > /dev/tty\nread code < /dev/tty\n" +
		"printf '{\"Version\":1,\"AccessKeyId\":\"AKIDEXAMPLE\",\"SecretAccessKey\":\"%s\"}' \"$code\"\n"
	if err := os.WriteFile(helper, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, typed, want string }{
		{"code typed", "123456\n", "got=123456"},
		{"Ctrl-C at the prompt", "\x03", "interrupted"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			self := fmt.Sprintf("%q -test.run='^TestCredentialProcessPromptsOnTheTerminal$'", os.Args[0])
			cmd := exec.Command(script, "-qfec", self, "/dev/null")
			cmd.Env = append(os.Environ(), ttyChildEnv+"="+helper)
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Typed once the helper asks, as a user would; the terminal's
			// input stays open until the child has said how it went.
			var seen strings.Builder
			r := bufio.NewReader(out)
			typed := false
			for {
				b, err := r.ReadByte()
				if err != nil {
					break
				}
				seen.WriteByte(b)
				if !typed && strings.HasSuffix(seen.String(), "code: ") {
					typed = true
					if _, err := in.Write([]byte(tt.typed)); err != nil {
						t.Fatal(err)
					}
				}
				if strings.Contains(seen.String(), "\nend\r") {
					break
				}
			}
			_ = in.Close()
			_ = cmd.Wait()
			if !strings.Contains(seen.String(), tt.want) {
				t.Errorf("on the terminal:\n%s\nwant %q", seen.String(), tt.want)
			}
		})
	}
}

// ttyChild runs the credential_process helper as an inject does, on the
// terminal it was started on, and says how it went: got=<the secret key>,
// interrupted (the helper ended and this process was sent SIGINT), or the
// error. A helper stopped at its prompt is ended after 30 s.
func ttyChild(helper string) {
	defer fmt.Println("\nend")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	creds, err := newQuietProcess(ctx, helper, `profile "pp"`, zap.NewNop(), &terminal{}).Retrieve(ctx)
	switch {
	case err == nil:
		fmt.Println("got=" + creds.SecretAccessKey)
	case ctx.Err() != nil:
		fmt.Println("helper held past its bound:", errors.Unwrap(err))
	default:
		select {
		case <-sigs:
			fmt.Println("interrupted")
		case <-ctx.Done():
			fmt.Println("no SIGINT after:", err)
		}
	}
}
