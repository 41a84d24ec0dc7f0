package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// storedBodies reads the pending bodies of an outbox, by idempotency key.
func storedBodies(t *testing.T, path string) map[string][]byte {
	t.Helper()
	s, err := outbox.Open(path, outbox.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, r := range recs {
		full, err := s.Get(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[r.IdempotencyKey] = full.Body
	}
	return out
}

func targets(n int) []string {
	var out []string
	for i := range n {
		out = append(out, "--target", "127.0.0."+strconv.Itoa(i+1))
	}
	return out
}

// Backend down (connection refused) for the whole run: exit 1 and one line
// naming the outbox; then `outbox flush` to a live backend delivers the
// stored bytes under the same keys, and the outbox is empty.
func TestBinaryOutboxDownThenFlush(t *testing.T) {
	// The backend cuts every connection while the run lasts (down), then
	// answers 200 (up): a flush sends to the backend the bodies belong to.
	be := transporttest.NewBackend(t)
	be.SetReply(transporttest.Reply{Cut: true})
	down := be.URL
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := []string{"INJECTKIT_OUTBOX=" + box, "INJECTKIT_TOKEN=tok-bin-1"}
	args := append([]string{"run", "noop", "--inject-id", "bin-down", "--backend-url", down, "--max-payload-size", "1200", "--log-level", "error"}, targets(5)...)
	code, out, errs := injectkit(t, env, args...)
	if code != 1 || out != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, out, errs)
	}
	m := regexp.MustCompile(`(?m)^injectkit: delivery failed; (\d+) signature bodies stored in outbox (\S+) \(flush with: (injectkit outbox flush [^)]+)\)$`).FindStringSubmatch(errs)
	if m == nil || m[2] != box {
		t.Fatalf("stderr lacks the stored line:\n%s", errs)
	}
	n, _ := strconv.Atoi(m[1])
	stored := storedBodies(t, box)
	if len(stored) != n || n < 2 {
		t.Fatalf("%d bodies in the outbox, the line says %d", len(stored), n)
	}

	// A token is bound to its backend: a flush for another backend, one
	// the outbox holds nothing for (a mistyped URL), sends nothing, exit
	// 2, and names the backend the bodies wait for.
	other := transporttest.NewBackend(t)
	code, out, errs = injectkit(t, env, "outbox", "flush", "--backend-url", other.URL, "--log-level", "error")
	if code != 2 || out != "" || other.Len() != 0 ||
		!strings.Contains(errs, "nothing sent: outbox "+box+" holds no body stored for --backend-url "+other.URL+"; it holds pending bodies for: "+down+" ("+strconv.Itoa(n)+" signature bodies)") {
		t.Fatalf("flush to another backend: exit %d, %d requests\n%s%s", code, other.Len(), out, errs)
	}
	// Without a backend URL nothing can be sent: exit 1, the backend named.
	code, out, errs = injectkit(t, env, "outbox", "flush", "--log-level", "error")
	if code != 1 || !strings.Contains(out, "for "+down+" left pending: no --backend-url given") ||
		!strings.Contains(out, "0 delivered, "+strconv.Itoa(n)+" still pending") {
		t.Fatalf("flush without a backend URL: exit %d\n%s%s", code, out, errs)
	}
	// The command the run's line gives, as it is.
	be.SetReply(transporttest.Reply{})
	up := be
	code, out, errs = injectkit(t, env, append(strings.Fields(m[3])[1:], "--log-level", "error")...)
	if code != 0 || !strings.Contains(out, strconv.Itoa(n)+" delivered, 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	delivered := up.Delivered()
	for key, body := range stored {
		if got := delivered[key]; len(got) != 1 || !bytes.Equal(got[0], body) {
			t.Errorf("key %s: delivered %d times, identical %v", key, len(got), len(got) == 1 && bytes.Equal(got[0], body))
		}
	}
	if len(delivered) != n {
		t.Errorf("%d keys delivered, want %d", len(delivered), n)
	}
	if left := storedBodies(t, box); len(left) != 0 {
		t.Errorf("%d bodies left after flush", len(left))
	}
}

// heldRun returns a backend that holds every request until released, an
// outbox file, and the command (not started) of a run of noop posting to
// that backend with that outbox.
func heldRun(t *testing.T, injectID string) (*transporttest.Backend, string, *exec.Cmd) {
	be := transporttest.NewBackend(t)
	be.Hold()
	box := filepath.Join(t.TempDir(), "outbox.db")
	cmd := exec.Command(bin, "run", "noop", "--inject-id", injectID, "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "INJECTKIT_OUTBOX="+box)
	return be, box, cmd
}

// startUntilPosted starts cmd, a run posting to be, and returns once be
// has its first request; a run that never posts is killed, failing t.
func startUntilPosted(t *testing.T, cmd *exec.Cmd, be *transporttest.Backend) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !be.Within(testkit.Hang, func() bool { return be.Len() > 0 }) {
		_ = cmd.Process.Kill()
		t.Fatal("the run never posted")
	}
}

// kill -9 of `injectkit run` while the backend is slow, after the outbox
// write and before the 2xx: the next flush delivers the body. While the
// run lives, `outbox drop` refuses the body it is sending.
func TestBinaryKill9ThenFlush(t *testing.T) {
	be, box, cmd := heldRun(t, "bin-kill")
	startUntilPosted(t, cmd, be)
	code, out, errs := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "drop", "1")
	if want := "1 is being sent by pid " + strconv.Itoa(cmd.Process.Pid); code != 2 || out != "" || !strings.Contains(errs, want) {
		t.Errorf("drop of the body a live run sends: exit %d, stdout %q, stderr %q, want %q", code, out, errs, want)
	}
	_ = cmd.Process.Signal(os.Kill)
	_ = cmd.Wait() // reaped: its pid no longer owns the body
	if accepted := len(be.Delivered()); accepted != 0 {
		t.Fatalf("accepted %d bodies before the kill", accepted)
	}
	stored := storedBodies(t, box)
	if len(stored) != 1 {
		t.Fatalf("%d bodies in the outbox after kill -9, want 1", len(stored))
	}
	// The backend learns of the dead client asynchronously: released before
	// that, it would answer the dead client's request as if delivered.
	if !be.Within(testkit.Hang, func() bool {
		reqs := be.Requests()
		return len(reqs) > 0 && reqs[0].Left
	}) {
		t.Fatal("the killed run's request was never abandoned")
	}
	be.Release()
	code, out, errs = injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if code != 0 {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	delivered := be.Delivered()
	for key, body := range stored {
		if got := delivered[key]; len(got) != 1 || !bytes.Equal(got[0], body) {
			t.Errorf("key %s delivered %d times", key, len(got))
		}
	}
}

// A second process on a locked outbox waits, then names the holder.
func TestBinaryOutboxLocked(t *testing.T) {
	box := filepath.Join(t.TempDir(), "outbox.db")
	holder, err := outbox.Open(box, outbox.Options{Command: "holder under test"})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	start := time.Now()
	code, _, errs := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box, "INJECTKIT_OUTBOX_LOCK_TIMEOUT=300ms"}, "outbox", "list")
	want := "outbox " + box + " is locked by process " + strconv.Itoa(os.Getpid()) + " (holder under test)"
	if code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q, want %q", code, errs, want)
	}
	// bbolt gives up one 50 ms retry interval before the timeout: waiting
	// at least 250 ms proves the wait (a lock tried once fails in a few).
	if time.Since(start) < 250*time.Millisecond {
		t.Errorf("did not wait for the lock: failed after %s", time.Since(start))
	}
}

// kill -9 of a run of many chunks at its first POST: every chunk was
// stored before it (a send of more than one transaction is stored whole
// first), so none is lost: list shows them all pending and no incomplete
// send, and flush delivers each once, exit 0. (The run used to post its
// first chunk as the next were stored: the same kill left the send
// incomplete, its last chunks never stored. The report of such a send,
// which a kill while it is stored still leaves, is checked by cli's
// TestFlushOfAnotherBackendsIncompleteSend and
// TestFlushOfIncompleteSendsItWouldNotSend, over a crafted outbox.)
func TestBinaryKill9AtTheFirstPostLosesNoChunk(t *testing.T) {
	be := transporttest.NewBackend(t)
	be.Hold()
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := []string{"INJECTKIT_OUTBOX=" + box}
	cmd := exec.Command(bin, "run", "noop", "--inject-id", "bin-big", "--target", "10.8.0.0/16", "--backend-url", be.URL, "--log-level", "error")
	cmd.Env = append(os.Environ(), env...)
	startUntilPosted(t, cmd, be)
	_ = cmd.Process.Signal(os.Kill)
	_ = cmd.Wait()
	if !be.Within(testkit.Hang, func() bool {
		reqs := be.Requests()
		return len(reqs) > 0 && reqs[0].Left
	}) {
		t.Fatal("the killed run's request was never abandoned")
	}
	be.Release()
	if stored := len(storedBodies(t, box)); stored != 31 {
		t.Fatalf("%d chunks stored after the kill, want all 31", stored)
	}
	code, out, errs := injectkit(t, env, "outbox", "list")
	if code != 0 || !strings.Contains(out, ": 31 pending, 0 dead") || strings.Contains(out, "incomplete") {
		t.Fatalf("list: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = injectkit(t, env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if code != 0 || !strings.Contains(out, "31 delivered, 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	chunks := map[string]bool{}
	for _, r := range be.Requests() {
		if r.Left {
			continue // the killed run's, never answered
		}
		if k := r.Header.Get("Idempotency-Key"); k != "" {
			chunks[strings.Join(strings.Split(k, ":")[:3], ":")] = true
		}
	}
	if len(chunks) != 31 {
		t.Errorf("the backend took %d chunks, want 31", len(chunks))
	}
}

// A flush while a live run sends its body leaves that body to the run:
// it says so and exits 0, and the body is delivered once, by the run.
func TestBinaryFlushBesideALiveSender(t *testing.T) {
	be, box, cmd := heldRun(t, "bin-beside")
	var runErr bytes.Buffer
	cmd.Stderr = &runErr
	startUntilPosted(t, cmd, be)
	code, out, errs := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	be.Release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("run: %v\n%s", err, runErr.String())
	}
	if code != 0 || !strings.Contains(out, "0 delivered, 0 still pending, 0 rejected (moved to the dead list), 1 being sent by another process") || errs != "" {
		t.Errorf("flush beside the run: exit %d, want 0\n%s%s", code, out, errs)
	}
	for key, got := range be.Delivered() {
		if len(got) != 1 {
			t.Errorf("key %s delivered %d times", key, len(got))
		}
	}
	if code, out, _ := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "list"); code != 0 || !strings.Contains(out, ": 0 pending, 0 dead") {
		t.Errorf("list after both: exit %d\n%s", code, out)
	}
}

// A run that cannot create its outbox (a full disk: here a file size
// limit, ulimit -f) exits 2 and leaves no file behind, which the outbox
// commands would trip on.
func TestBinaryOutboxCreationFailsWhole(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set a file size limit")
	}
	box := filepath.Join(t.TempDir(), "outbox.db")
	// 8 blocks of 512 bytes: less than the 4 pages a new outbox holds.
	cmd := exec.Command(sh, "-c", `ulimit -f 8 && exec "$0" "$@"`, bin, "run", "noop", "--inject-id", "bin-nospace",
		"--target", "127.0.0.1", "--backend-url", "http://127.0.0.1:9", "--log-level", "error")
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "INJECTKIT_OUTBOX="+box)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(errb.String(), "outbox "+box+": ") {
		t.Fatalf("run: %v, want exit 2 naming the outbox\n%s", err, errb.String())
	}
	entries, err := os.ReadDir(filepath.Dir(box))
	if err != nil || len(entries) != 0 {
		t.Errorf("files left beside the outbox: %v %v", entries, err)
	}
	if code, out, errs := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "list"); code != 0 || !strings.Contains(out, "no such file") {
		t.Errorf("list after the run: exit %d\n%s%s", code, out, errs)
	}
}
