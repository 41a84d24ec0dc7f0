//go:build unix

package nmap

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
)

// fakeNmap puts an executable shell script named nmap first on PATH, so that
// the real runner (LookPath, exec without a shell, pipes, process group) can
// be tested without the real nmap. The script's body sees $DIR, a directory
// it may write to.
func fakeNmap(t *testing.T, body string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	script := "#!/bin/sh\nDIR='" + dir + "'\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "nmap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// written makes the named pipe path and returns a channel closed once a
// fake nmap has written a line to it: what its script did before is done.
func written(t *testing.T, path string) <-chan struct{} {
	t.Helper()
	testkit.FIFO(t, path)
	wrote, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		f, err := os.Open(path) // waits for the script to open it
		if err != nil {
			return
		}
		defer f.Close()
		if _, err := io.ReadAll(f); err == nil {
			close(wrote)
		}
	}()
	t.Cleanup(func() {
		// A script that never wrote: a writer of our own ends the wait.
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-ended
	})
	return wrote
}

func TestRunnerNotInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := runNmap(context.Background(), []string{"-sT"}, strings.NewReader(""), &bytes.Buffer{}, nil)
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("runNmap = %v, want ErrNotInstalled", err)
	}

	e := New()
	cfg, _ := newInject(t, nil, "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != ExitNotInstalled ||
		!strings.Contains(out.ErrorInfo.Message, "apt-get install nmap") {
		t.Fatalf("ErrorInfo = %+v, want exit code 127 naming apt-get install nmap", out.ErrorInfo)
	}
}

// TestRunnerPassesArgsAndStdin proves arguments reach nmap as they are, with
// no shell in between, and targets arrive on standard input; what nmap says
// on standard error reaches the caller even when it exits 0.
func TestRunnerPassesArgsAndStdin(t *testing.T) {
	dir := fakeNmap(t, `for a in "$@"; do printf '%s\n' "$a"; done >"$DIR/args"
cat >"$DIR/stdin"
echo 'Failed to resolve "x".' >&2
printf '<nmaprun></nmaprun>'`)
	args := []string{"-sT", "$(touch " + dir + "/pwned)", "a b", "; id"}
	var out, stderr bytes.Buffer
	if err := runNmap(context.Background(), args, strings.NewReader("127.0.0.1\nlocalhost\n"), &out, &stderr); err != nil {
		t.Fatal(err)
	}
	if stderr.String() != "Failed to resolve \"x\".\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
	gotArgs, _ := os.ReadFile(filepath.Join(dir, "args"))
	if want := strings.Join(args, "\n") + "\n"; string(gotArgs) != want {
		t.Errorf("args = %q, want %q", gotArgs, want)
	}
	if stdin, _ := os.ReadFile(filepath.Join(dir, "stdin")); string(stdin) != "127.0.0.1\nlocalhost\n" {
		t.Errorf("stdin = %q", stdin)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("an argument was run by a shell")
	}
	if out.String() != "<nmaprun></nmaprun>" {
		t.Errorf("stdout = %q", out.String())
	}
}

func TestRunnerExitError(t *testing.T) {
	fakeNmap(t, `i=0
while [ $i -lt 400 ]; do echo "warning line $i: something nmap said on stderr" >&2; i=$((i+1)); done
echo "QUITTING!" >&2
exit 3`)
	err := runNmap(context.Background(), nil, strings.NewReader(""), &bytes.Buffer{}, nil)
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("runNmap = %v, want *ExitError", err)
	}
	if ee.Code != 3 {
		t.Errorf("code = %d, want 3", ee.Code)
	}
	if len(ee.Stderr) > maxStderr+len("…") || !strings.HasPrefix(ee.Stderr, "…") {
		t.Errorf("stderr is %d bytes, not cut to %d", len(ee.Stderr), maxStderr)
	}
	if !strings.HasSuffix(ee.Stderr, "QUITTING!\n") {
		t.Errorf("stderr lost its end: %q", ee.Stderr[len(ee.Stderr)-40:])
	}

	e := New()
	cfg, _ := newInject(t, nil, "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != 3 || !strings.Contains(out.ErrorInfo.Message, "QUITTING!") {
		t.Fatalf("ErrorInfo = %+v, want nmap's code and stderr", out.ErrorInfo)
	}
}

// TestExecuteTimeoutKeepsFinishedHosts runs a fake nmap that writes a real
// report up to its first host, then hangs: the deadline, passing once it
// has written that host (a signal, not a time: however slow the machine
// is to start it), kills it, and the host it finished is in the findings,
// the target extras and the partial results; the host it never finished
// has no target extras.
func TestExecuteTimeoutKeepsFinishedHosts(t *testing.T) {
	doc := string(readFixture(t, "several_hosts/nmap.xml"))
	head := doc[:strings.Index(doc, "</host>")+len("</host>\n")]
	dir := fakeNmap(t, `cat "$DIR/head.xml"; echo >"$DIR/wrote"; exec sleep 300`)
	if err := os.WriteFile(filepath.Join(dir, "head.xml"), []byte(head), 0o644); err != nil {
		t.Fatal(err)
	}
	e := New()
	cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: "18100-18102", Timing: 4}, "127.0.0.1", "127.0.0.2")
	out := e.Execute(deadlineOn(t, written(t, filepath.Join(dir, "wrote"))), cfg)
	if out.ExecutionStatus() != "timeout" {
		t.Fatalf("status %q; want a timeout", out.ExecutionStatus())
	}
	want := []string{"127.0.0.1:18100/tcp open"} // nmap named no service
	if got := cfg.PartialResults(); !slices.Equal(got, want) {
		t.Errorf("partial results = %q, want %q", got, want)
	}
	if got, _ := out.TargetExtras[cfg.Targets[0]]["DETECTION"][KeyPortsDiscovered].([]int); !slices.Equal(got, []int{18100}) {
		t.Errorf("target 0 ports_discovered = %v", got)
	}
	// Target 1 was never scanned: no ports_discovered at all, not [] (which
	// reads "scanned, nothing open").
	if te, ok := out.TargetExtras[cfg.Targets[1]]; ok {
		t.Errorf("target 1, never scanned, has extras %v; want none", te)
	}
	if out.Findings[FieldActionOutput] != head {
		t.Errorf("action_output is not the XML streamed before the kill")
	}
}

func TestRunnerKilledBySignal(t *testing.T) {
	fakeNmap(t, `echo "about to crash" >&2; kill -SEGV $$`)
	err := runNmap(context.Background(), nil, strings.NewReader(""), &bytes.Buffer{}, nil)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 128+int(syscall.SIGSEGV) || !strings.Contains(ee.Stderr, "about to crash") {
		t.Fatalf("runNmap = %v, want an *ExitError with code %d", err, 128+int(syscall.SIGSEGV))
	}
}

// TestRunnerCannotStart: an nmap on PATH that cannot be started exits
// 126 naming its path, as the shell's "Permission denied" or "cannot
// execute" (a file that is not a program, or one without the execute
// bit), and a script whose #! interpreter does not exist says so, not
// that nmap itself does not exist; a directory named nmap is no command at all (127, as the shell's
// "command not found").
func TestRunnerCannotStart(t *testing.T) {
	tests := []struct {
		name string
		make func(path string) error
		code int
		want []string // in the message, beside the path for 126
	}{
		{"not a program", func(p string) error { return os.WriteFile(p, []byte("\x7fELF not really"), 0o755) },
			ExitCannotRun, []string{"exec format error"}},
		{"not executable (mode 644)", func(p string) error { return os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o644) },
			ExitCannotRun, []string{"not executable", "permission denied"}},
		{"its #! interpreter missing", func(p string) error { return os.WriteFile(p, []byte("#!/nonexistent/sh -e\nexit 0\n"), 0o755) },
			ExitCannotRun, []string{`its interpreter "/nonexistent/sh" (its #! line) does not exist`}},
		// A script saved with Windows line endings: the kernel looks for
		// "/bin/sh\r", which does not exist; /bin/sh does.
		{"its #! line ending in a carriage return", func(p string) error { return os.WriteFile(p, []byte("#!/bin/sh\r\nexit 0\r\n"), 0o755) },
			ExitCannotRun, []string{`its interpreter "/bin/sh\r" (its #! line) does not exist`, "carriage return"}},
		{"a directory", func(p string) error { return os.Mkdir(p, 0o755) },
			ExitNotInstalled, []string{"apt-get install nmap"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "nmap")
			if err := tt.make(path); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", t.TempDir()+string(os.PathListSeparator)+dir)
			e := New()
			cfg, _ := newInject(t, nil, "127.0.0.1")
			out := e.Execute(context.Background(), cfg)
			if out.ErrorInfo == nil || out.ErrorInfo.ExitCode != tt.code {
				t.Fatalf("ErrorInfo = %+v, want exit code %d", out.ErrorInfo, tt.code)
			}
			want := tt.want
			if tt.code == ExitCannotRun {
				want = append(want, path)
			}
			for _, w := range want {
				if !strings.Contains(out.ErrorInfo.Message, w) {
					t.Errorf("message %q does not say %q", out.ErrorInfo.Message, w)
				}
			}
		})
	}
}

// TestRunnerEnvironmentHoldsNoSecret proves nmap inherits the process's
// environment less injectkit's settings (its token, the Shodan key…) and
// the AWS credentials: nmap needs none, and whatever binary is first on
// PATH would read them. What nmap does need is kept.
func TestRunnerEnvironmentHoldsNoSecret(t *testing.T) {
	dir := fakeNmap(t, `env >"$DIR/env"`)
	tests := []struct {
		key  string
		kept bool
	}{
		{"INJECTKIT_TOKEN", false},
		{"INJECTKIT_SHODAN_API_KEY", false},
		{"INJECTKIT_BACKEND_URL", false},
		{"INJECTKIT_OPENAEV_URL", false},
		{"AWS_ACCESS_KEY_ID", false},
		{"AWS_SECRET_ACCESS_KEY", false},
		{"AWS_SESSION_TOKEN", false},
		{"AWS_PROFILE", false},
		{"HOME", true},
		{"LANG", true},
		{"NMAPDIR", true},
		{"TZ", true},
		{"XINJECTKIT_TOKEN", true}, // not injectkit's: the rule is a prefix
	}
	for _, tt := range tests {
		t.Setenv(tt.key, "value-of-"+tt.key)
	}
	if err := runNmap(context.Background(), nil, strings.NewReader(""), &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	got, raw := envWritten(t, dir)
	for _, tt := range tests {
		if v, ok := got[tt.key]; ok != tt.kept || (ok && v != "value-of-"+tt.key) {
			t.Errorf("nmap's environment: %s=%q (set: %v), want set: %v", tt.key, v, ok, tt.kept)
		}
		if !tt.kept && strings.Contains(raw, "value-of-"+tt.key+"\n") {
			t.Errorf("nmap's environment holds the value of %s", tt.key)
		}
	}
	if got["PATH"] != os.Getenv("PATH") {
		t.Errorf("nmap's PATH = %q, want %q", got["PATH"], os.Getenv("PATH"))
	}
}

// A failed scan's crash timestamp is the time of the failure to the
// nanosecond, not cut down to the second: the end time rounded up from
// it holds the whole run.
func TestCrashTimestampKeepsTheFraction(t *testing.T) {
	crash := fixedNow.Add(600 * time.Millisecond)
	e := newTestExecutor(func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
		return &ExitError{Code: 1, Stderr: "boom"}
	})
	e.now = func() time.Time { return crash }
	cfg, _ := newInject(t, nil, "127.0.0.1")
	out := e.Execute(context.Background(), cfg)
	if out.ErrorInfo == nil {
		t.Fatalf("output %+v, want error info", out)
	}
	if got, err := time.Parse(time.RFC3339Nano, out.ErrorInfo.CrashTimestamp); err != nil || !got.Equal(crash) {
		t.Errorf("crash timestamp %q, want %s", out.ErrorInfo.CrashTimestamp, crash.Format(time.RFC3339Nano))
	}
}

// TestKilledScanStopsTheInject runs a mixed inject whose IPv4 nmap ends
// as the script says: killed by a signal (the operator's kill), the IPv6
// scan is not run and the error names the scan killed and the one not
// run, with the code the signal gives; an nmap that exits non-zero leaves
// the other scan to run, the error naming the scan that failed, and the
// other too when it fails (each with what its nmap said), the code the
// first's.
func TestKilledScanStopsTheInject(t *testing.T) {
	tests := []struct {
		name   string
		end    string // how the IPv4 nmap ends
		end6   string // how the IPv6 nmap ends, after its empty report ("exit 0" when blank)
		code   int
		ipv6   bool // the IPv6 scan ran
		saying []string
	}{
		{"SIGKILL", "kill -KILL $$", "", 128 + int(syscall.SIGKILL), false,
			[]string{"IPv4 scan of 127.0.0.1, localhost: nmap was killed by a signal (killed, code 137)", "not run: IPv6 scan of ::1"}},
		{"SIGTERM", "kill -TERM $$", "", 128 + int(syscall.SIGTERM), false,
			[]string{"IPv4 scan of 127.0.0.1, localhost: nmap was killed by a signal (terminated, code 143)", "not run: IPv6 scan of ::1"}},
		{"exit 1", "exit 1", "", 1, true, []string{"IPv4 scan of 127.0.0.1, localhost: nmap exited with code 1"}},
		{"exit 1, then the IPv6 scan exits 2", "echo 'IPv4 says no' >&2; exit 1", "echo 'IPv6 says no' >&2; exit 2", 1, true,
			[]string{"IPv4 scan of 127.0.0.1, localhost: nmap exited with code 1: IPv4 says no", "IPv6 scan of ::1: nmap exited with code 2: IPv6 says no"}},
		{"exit 1, then the IPv6 scan killed", "exit 1", "kill -KILL $$", 1, true,
			[]string{"IPv4 scan of 127.0.0.1, localhost: nmap exited with code 1", "IPv6 scan of ::1: nmap was killed by a signal (killed, code 137)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeNmap(t, `cat >/dev/null
case " $* " in
*" -6 "*) touch "$DIR/ipv6"; printf '<nmaprun></nmaprun>'; `+cmp.Or(tt.end6, "exit 0")+` ;;
esac
`+tt.end)
			e := New()
			cfg, _ := newInject(t, &Params{ScanType: ScanConnect, Ports: "18080-18089", Timing: 2}, "127.0.0.1", "::1", "LocalHost")
			out := e.Execute(context.Background(), cfg)
			if out.ExecutionStatus() != "failed" || out.ErrorInfo == nil || out.ErrorInfo.ExitCode != tt.code {
				t.Fatalf("status %q, error %+v; want failed with code %d", out.ExecutionStatus(), out.ErrorInfo, tt.code)
			}
			for _, s := range tt.saying {
				if !strings.Contains(out.ErrorInfo.Message, s) {
					t.Errorf("message %q does not say %q", out.ErrorInfo.Message, s)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "ipv6")); (err == nil) != tt.ipv6 {
				t.Errorf("IPv6 scan ran: %v, want %v", err == nil, tt.ipv6)
			}
		})
	}
}

// envWritten reads the environment a fake nmap running `env >"$DIR/env"`
// wrote into dir, by variable name, and as written.
func envWritten(t *testing.T, dir string) (map[string]string, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			got[k] = v
		}
	}
	return got, string(raw)
}
