package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// bin is the injectkit binary built once for these tests, with the build
// tags make build gives it (shippedTags).
var bin string

// shippedTags are the build tags of the binaries make build and make
// release build (the Makefile's TAGS).
const shippedTags = "urfave_cli_no_docs"

// TestMain builds the binary the tests run. A binary built with -race
// sleeps a second before it exits (the race detector's atexit_sleep_ms,
// 1000 by default), half the package's time: every binary the tests
// start exits at once, a GORACE of the user's own still read after ours.
// The binaries the tests stop with SIGHUP stop on it under `nohup go test`
// too (testkit.DefaultHangup).
func TestMain(m *testing.M) {
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	testkit.DefaultHangup()
	var remove func()
	bin, remove = testkit.Build(".", "-tags", shippedTags,
		"-ldflags", "-X main.version=9.9.9 -X main.commit=c0ffee0123456789 -X main.goVersion=go9.9.9")
	code := m.Run()
	remove()
	os.Exit(code)
}

func injectkit(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	// The outbox goes to a temporary state directory, never the user's.
	cmd.Env = append(append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir()), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

func TestBinaryPrintsPayload(t *testing.T) {
	code, out, errs := injectkit(t, nil, "run", "noop", "--target", "127.0.0.1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var body struct {
		Phase                string `json:"phase"`
		ExpectationSignature struct {
			Targets []json.RawMessage `json:"targets"`
		} `json:"expectation_signature"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("stdout is not one JSON body: %v\n%s", err, out)
	}
	if body.Phase != "execution_complete" || len(body.ExpectationSignature.Targets) != 1 {
		t.Errorf("body = %s", out)
	}
	if !strings.Contains(out, `"signature_type":"source_ipv4","signature_value":"172.17.0.2"`) {
		t.Errorf("source ip missing: %s", out)
	}
	// Logs go to stderr, and say the signatures were printed, not sent.
	if !strings.Contains(errs, "\tprinted\t") || strings.Contains(errs, "\tdelivered\t") {
		t.Errorf("stderr should log the signatures printed, not delivered: %q", errs)
	}
	// So does the openaev profile, for its terminal callback too.
	code, out, errs = injectkit(t, nil, "run", "noop", "--profile", "openaev", "--inject-id", "i1", "--target", "127.0.0.1")
	if code != 0 || !strings.Contains(out, `"execution_action":"complete"`) {
		t.Fatalf("openaev profile: exit %d, stdout %s, stderr %s", code, out, errs)
	}
	if !strings.Contains(errs, "\tprinted\t") || !strings.Contains(errs, "\tterminal callback printed\t") || strings.Contains(errs, "delivered") {
		t.Errorf("openaev profile: stderr should log the callbacks printed, not delivered: %q", errs)
	}
}

func TestBinaryDeliversAndExitCodes(t *testing.T) {
	ok := transporttest.NewBackend(t)
	code, out, errs := injectkit(t, nil, "run", "noop", "--inject-id", "bin-1", "--target", "127.0.0.1", "--backend-url", ok.URL)
	if code != 0 || out != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, out, errs)
	}
	if reqs := ok.Requests(); len(reqs) != 1 || reqs[0].Path != "/api/injects/bin-1/callback" {
		t.Errorf("requests = %+v", reqs)
	}
	bad := transporttest.NewBackend(t)
	bad.SetReply(transporttest.Reply{Status: http.StatusBadRequest})
	if code, _, errs := injectkit(t, nil, "run", "noop", "--inject-id", "bin-2", "--target", "127.0.0.1", "--backend-url", bad.URL); code != 1 {
		t.Errorf("400 backend: exit %d, want 1: %s", code, errs)
	}
	if code, _, errs := injectkit(t, nil, "run", "noop", "--target", "a b"); code != 2 || !strings.Contains(errs, `"a b"`) {
		t.Errorf("bad target: exit %d, want 2: %s", code, errs)
	}
}

// interrupt runs `injectkit args…` delivering to a backend of its own,
// calls ready, which returns once the run is where the test interrupts it,
// sends SIGINT, and returns the one body the run then delivered and its
// standard error. The run must exit 3: an interrupt is a timeout, its
// signatures delivered.
func interrupt(t *testing.T, env []string, ready func(p *testkit.Process), args ...string) (body []byte, stderr string) {
	t.Helper()
	return interruptSig(t, env, syscall.SIGINT, nil, ready, args...)
}

// interruptSig is interrupt sending sig in place of SIGINT, to the run
// started under the command under names (GNU timeout's words, say) when
// it is not empty: sig then goes to that command.
func interruptSig(t *testing.T, env []string, sig syscall.Signal, under []string, ready func(p *testkit.Process), args ...string) (body []byte, stderr string) {
	t.Helper()
	be := transporttest.NewBackend(t)
	words := append(append(append([]string(nil), under...), bin), append(args, "--backend-url", be.URL)...)
	cmd := exec.Command(words[0], words[1:]...)
	cmd.Env = append(append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir()), env...)
	p := testkit.Start(t, cmd)
	ready(p)
	if code := p.Stop(t, sig, time.Minute); code != cli.ExitFailed {
		t.Fatalf("exit %d after %v, want %d\n%s", code, sig, cli.ExitFailed, p.Stderr.String())
	}
	reqs := be.Requests()
	if len(reqs) != 1 {
		t.Fatalf("want the signatures delivered once, got %d\n%s", len(reqs), p.Stderr.String())
	}
	return reqs[0].Body, p.Stderr.String()
}

// A signal delivered twice at once, as GNU timeout delivers it (to the
// command, then to its process group), is one signal: the run delivers its
// signatures as a timeout (exit 3), where it exited 130 at once with them
// lost ("terminated again: exiting now"), tester t117's finding 1. The run
// goes under timeout itself, which relays the signal it gets as it relays
// its own at the end of its time: both deliveries come from timeout's two
// kill calls in a row, not from two of this test's, which a busy machine
// may hold apart longer than the run's 0.1 s. Most often the kernel merges
// the repeat into the first, still pending (without settleRepeats this
// failed 1 run in 20 here): TestSignalDeliveredTwiceIsOneSignal, in cli,
// checks the two deliveries every time.
func TestBinarySignalDeliveredTwiceAtOnce(t *testing.T) {
	timeout, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("no GNU timeout:", err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			_, stderr := interruptSig(t, nil, sig, []string{timeout, "10m"}, func(p *testkit.Process) {
				p.Stderr.AwaitText(t, 30*time.Second, "pre-execution signatures compiled")
			}, "run", "noop", "--inject-id", "sig-twice", "--target", "127.0.0.1", "--param", "delay=1m")
			if strings.Contains(stderr, " again: ") {
				t.Errorf("the repeat was taken for a second signal:\n%s", stderr)
			}
		})
	}
}

func TestBinarySIGINTDeliversTimeout(t *testing.T) {
	// Interrupted once the executor runs (its start is logged).
	body, _ := interrupt(t, nil, func(p *testkit.Process) {
		p.Stderr.AwaitText(t, 30*time.Second, "pre-execution signatures compiled")
	}, "run", "noop", "--inject-id", "sig-1", "--target", "127.0.0.1", "--param", "delay=1m")
	b := string(body)
	if !strings.Contains(b, `"execution_status","signature_value":"timeout"`) || !strings.Contains(b, "127.0.0.1 pending") {
		t.Errorf("body = %s", b)
	}
}
