package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin is the injectkit binary built once for these tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "injectkit-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "injectkit")
	build := exec.Command("go", "build", "-race", "-ldflags", "-X main.version=9.9.9", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build injectkit: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type capture struct {
	mu     sync.Mutex
	bodies [][]byte
	paths  []string
}

func sink(t *testing.T, status int, delay time.Duration) (*httptest.Server, *capture) {
	c := &capture{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.paths = append(c.paths, r.URL.EscapedPath())
		c.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, c
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
	if !strings.Contains(errs, "delivered") {
		t.Errorf("logs should go to stderr: %q", errs)
	}
}

func TestBinaryDeliversAndExitCodes(t *testing.T) {
	ok, got := sink(t, http.StatusOK, 0)
	code, out, errs := injectkit(t, nil, "run", "noop", "--inject-id", "bin-1", "--target", "127.0.0.1", "--backend-url", ok.URL)
	if code != 0 || out != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, out, errs)
	}
	if len(got.paths) != 1 || got.paths[0] != "/api/injects/bin-1/callback" {
		t.Errorf("paths = %v", got.paths)
	}
	bad, _ := sink(t, http.StatusBadRequest, 0)
	if code, _, errs := injectkit(t, nil, "run", "noop", "--inject-id", "bin-2", "--target", "127.0.0.1", "--backend-url", bad.URL); code != 1 {
		t.Errorf("400 backend: exit %d, want 1: %s", code, errs)
	}
	if code, _, errs := injectkit(t, nil, "run", "noop", "--target", "a b"); code != 2 || !strings.Contains(errs, `"a b"`) {
		t.Errorf("bad target: exit %d, want 2: %s", code, errs)
	}
}

func TestBinarySIGINTDeliversTimeout(t *testing.T) {
	srv, got := sink(t, http.StatusOK, 0)
	cmd := exec.Command(bin, "run", "noop", "--inject-id", "sig-1", "--target", "127.0.0.1", "--param", "delay=1m", "--backend-url", srv.URL)
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir())
	errb := &lockedBuffer{}
	cmd.Stderr = errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the executor runs (its start is logged), then interrupt.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errb.String(), "pre-execution signatures compiled") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, errb.String())
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.bodies) != 1 {
		t.Fatalf("want the signatures delivered once, got %d", len(got.bodies))
	}
	b := string(got.bodies[0])
	if !strings.Contains(b, `"execution_status","signature_value":"timeout"`) || !strings.Contains(b, "127.0.0.1 pending") {
		t.Errorf("body = %s", b)
	}
}
