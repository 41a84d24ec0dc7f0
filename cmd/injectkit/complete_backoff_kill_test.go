package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// answeringFront is a proxy to the platform at target that answers the
// first "complete" callback 503 (the platform's own, with a Retry-After
// of 30 s, which the run's retry waits) without passing it on, and counts
// the "complete" callbacks that reach it; the other calls pass.
func answeringFront(t *testing.T, target string) (front string, completes *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	front = callbackFront(t, target, func(w http.ResponseWriter, r *http.Request, body []byte, _ http.Handler) bool {
		if !aComplete(body) || n.Add(1) != 1 {
			return false
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":503,"error":"Service Unavailable","path":"`+r.URL.Path+`"}`)
		return true
	})
	return front, &n
}

// kill -9 of `injectkit run --openaev-message` in the wait before its
// "complete"'s retry, the platform having answered it 503: the platform
// did not take it, and the attempt's answer is noted beside the outbox
// before the WARN line that says the retry. A flush after the restart
// counts that attempt as answered, not as one the platform may hold: it
// sends the "complete" at once, whatever the ingestion window (1 h here),
// and the inject is finished by it, once. Before, the attempt counted as
// one that got no answer, and the flush held the "complete" for the
// window (exit 1).
func TestBinaryKill9InCompleteBackoffThenFlush(t *testing.T) {
	const id = "inj-complete-backoff-kill"
	p, msg := heldNoopInject(t, id)
	front, sent := answeringFront(t, p.URL)
	box := filepath.Join(t.TempDir(), "outbox.db")

	cmd := exec.Command(bin, "run", "noop", "--openaev-message", msg, "--backend-url", front, "--token", platformToken,
		"--outbox", box, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	retrying := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		said := false
		for sc.Scan() {
			if !said && strings.Contains(sc.Text(), "request failed, retrying") && strings.Contains(sc.Text(), `"http_status": 503`) {
				said = true
				close(retrying)
			}
		}
	}()
	killWhen(t, cmd, retrying, "said it retries its complete")
	if n := sent.Load(); n != 1 {
		t.Fatalf("%d completes reached the front before the kill, want 1 (the retry waits 30 s)", n)
	}
	if got := p.StatsFrom(0).ByKind[openaevtest.KindComplete]; got != 0 {
		t.Fatalf("the platform got %d completes before the flush, want 0", got)
	}

	code, out, errs := injectkit(t, nil, "outbox", "flush", "--outbox", box, "--backend-url", front, "--token", platformToken,
		"--openaev-ingest-window", "1h")
	if code != 0 || strings.Contains(out+errs, "ingestion window") {
		t.Fatalf("flush: exit %d, want 0, the complete sent at once (its one attempt was answered 503)\n%s%s", code, out, errs)
	}
	p.Ingest()
	if got := p.StatsFrom(0).ByKind[openaevtest.KindComplete]; got != 1 {
		t.Errorf("the platform got %d completes, want 1", got)
	}
	finishedOnce(t, p, id)
}
