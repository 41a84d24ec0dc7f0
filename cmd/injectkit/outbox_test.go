package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/outbox"
)

// keyed records, per idempotency key, the bodies a backend answered 2xx to.
type keyed struct {
	*httptest.Server
	mu       sync.Mutex
	accepted map[string][][]byte
	received int
	hold     chan struct{} // while open, requests wait (a slow backend)
}

func newKeyed(t *testing.T, slow bool) *keyed {
	k := &keyed{accepted: map[string][][]byte{}}
	if slow {
		k.hold = make(chan struct{})
	}
	k.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k.mu.Lock()
		k.received++
		hold := k.hold
		k.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return // the client went away: nothing accepted
			}
		}
		k.mu.Lock()
		key := r.Header.Get(transport.IdempotencyHeader)
		k.accepted[key] = append(k.accepted[key], body)
		k.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(k.Close)
	return k
}

func (k *keyed) counts() (received, accepted int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, b := range k.accepted {
		accepted += len(b)
	}
	return k.received, accepted
}

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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := []string{"INJECTKIT_OUTBOX=" + box, "INJECTKIT_TOKEN=tok-bin-1"}
	args := append([]string{"run", "noop", "--inject-id", "bin-down", "--backend-url", down, "--max-payload-size", "1200", "--log-level", "error"}, targets(5)...)
	code, out, errs := injectkit(t, env, args...)
	if code != 1 || out != "" {
		t.Fatalf("exit %d stdout %q stderr %s", code, out, errs)
	}
	m := regexp.MustCompile(`(?m)^injectkit: delivery failed; (\d+) signature bodies stored in outbox (\S+) \(flush with: injectkit outbox flush\)$`).FindStringSubmatch(errs)
	if m == nil || m[2] != box {
		t.Fatalf("stderr lacks the stored line:\n%s", errs)
	}
	n, _ := strconv.Atoi(m[1])
	stored := storedBodies(t, box)
	if len(stored) != n || n < 2 {
		t.Fatalf("%d bodies in the outbox, the line says %d", len(stored), n)
	}

	up := newKeyed(t, false)
	code, out, errs = injectkit(t, env, "outbox", "flush", "--backend-url", up.URL, "--log-level", "error")
	if code != 0 || !strings.Contains(out, strconv.Itoa(n)+" delivered, 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	up.mu.Lock()
	for key, body := range stored {
		if got := up.accepted[key]; len(got) != 1 || !bytes.Equal(got[0], body) {
			t.Errorf("key %s: delivered %d times, identical %v", key, len(got), len(got) == 1 && bytes.Equal(got[0], body))
		}
	}
	if len(up.accepted) != n {
		t.Errorf("%d keys delivered, want %d", len(up.accepted), n)
	}
	up.mu.Unlock()
	if left := storedBodies(t, box); len(left) != 0 {
		t.Errorf("%d bodies left after flush", len(left))
	}
}

// kill -9 of `injectkit run` while the backend is slow, after the outbox
// write and before the 2xx: the next flush delivers the body.
func TestBinaryKill9ThenFlush(t *testing.T) {
	be := newKeyed(t, true)
	box := filepath.Join(t.TempDir(), "outbox.db")
	cmd := exec.Command(bin, "run", "noop", "--inject-id", "bin-kill", "--target", "127.0.0.1", "--backend-url", be.URL, "--log-level", "error")
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "INJECTKIT_OUTBOX="+box)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for received, _ := be.counts(); received == 0; received, _ = be.counts() {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the run never posted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Kill)
	_ = cmd.Wait() // reaped: its pid no longer owns the body
	if _, accepted := be.counts(); accepted != 0 {
		t.Fatalf("accepted %d bodies before the kill", accepted)
	}
	stored := storedBodies(t, box)
	if len(stored) != 1 {
		t.Fatalf("%d bodies in the outbox after kill -9, want 1", len(stored))
	}
	be.mu.Lock()
	close(be.hold)
	be.hold = nil
	be.mu.Unlock()
	code, out, errs := injectkit(t, []string{"INJECTKIT_OUTBOX=" + box}, "outbox", "flush", "--log-level", "error")
	if code != 0 {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	for key, body := range stored {
		if got := be.accepted[key]; len(got) != 1 || !bytes.Equal(got[0], body) {
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
	if time.Since(start) < 300*time.Millisecond {
		t.Error("did not wait for the lock")
	}
}
