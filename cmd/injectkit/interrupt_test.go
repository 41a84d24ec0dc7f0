package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// A second Ctrl-C while a run sends a payload of about 30 chunks (the
// backend answering the first three, then never) stops the sending and
// exits 130, losing nothing: with an outbox, every chunk not
// delivered is in it (those never stored before are stored first), which
// stderr counts and a flush delivers; without one, stderr prints the
// signatures of the chunks not delivered. The run exited at once, the
// chunks it had not stored lost while stderr said they stayed in the
// outbox. With an outbox that has no room for them (sent unstored, as the
// WARN says), stderr says so and prints the signatures of the chunks not
// delivered, as without one: the send held no abort, posted on, and
// stderr said they were kept in the outbox.
//
// With an outbox, the run sends 65 536 targets in 31 chunks of 1 MiB,
// which it stores 8 MiB a commit: chunks are still unstored when the
// second interrupt comes. The runs that print the chunks not delivered
// send 1 024 targets in 32 chunks of 16 KiB: as many chunks, and half a
// megabyte of signatures printed rather than 29, whose encoding and
// writing, under the race detector on a loaded machine, took more than
// the minute the test gives the run to exit.
func TestBinarySecondInterruptWhileSendingKeepsEveryChunk(t *testing.T) {
	const answered = 3 // chunks the backend takes before it stops answering
	small := []string{"--target", "10.8.0.0/22", "--max-payload-size", "16384"}
	for _, tc := range []struct {
		name    string
		outbox  string   // "file": the chunks are kept in it; "none"; "full": it has no room for them
		targets int      // how many targets the run sends
		args    []string // the targets, and more flags of the run
	}{
		{"outbox", "file", 1 << 16, []string{"--target", "10.8.0.0/16"}},
		{"outbox none", "none", 1 << 10, small},
		{"outbox full", "full", 1 << 10, append([]string{"--outbox-max-bytes", "1024"}, small...)}, // the least run takes; each chunk 16 KiB
	} {
		t.Run(tc.name, func(t *testing.T) {
			var slow atomic.Bool
			slow.Store(true)
			be := transporttest.NewBackendFunc(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n >= answered && slow.Load() {
					<-r.Context().Done() // the run cuts its POST short
					transporttest.Cut(w)
				}
			})
			dir := t.TempDir()
			box := filepath.Join(dir, "outbox.db")
			env := []string{"INJECTKIT_OUTBOX=" + box}
			if tc.outbox == "none" {
				env = []string{"INJECTKIT_OUTBOX=none"}
			}
			cmd := exec.Command(bin, append([]string{"run", "noop", "--inject-id", "sig-big",
				"--backend-url", be.URL, "--log-level", "error"}, tc.args...)...)
			cmd.Env = append(os.Environ(), append(env, "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+dir)...)
			p := testkit.Start(t, cmd)
			be.Await(t, answered+1) // the fourth chunk waits for its answer
			_ = cmd.Process.Signal(syscall.SIGINT)
			p.Stderr.AwaitText(t, time.Minute, "stopping gracefully")
			if code := p.Stop(t, syscall.SIGINT, time.Minute); code != cli.ExitInterrupted {
				t.Fatalf("exit %d after a second SIGINT, want %d\n%s", code, cli.ExitInterrupted, p.Stderr.String())
			}
			stderr := p.Stderr.String()
			if strings.Contains(stderr, "exiting now") {
				t.Fatalf("the run exited at once:\n%s", stderr)
			}
			delivered := be.Delivered()
			if len(delivered) != answered {
				t.Fatalf("%d chunks delivered, want %d; stderr:\n%s", len(delivered), answered, stderr)
			}
			switch tc.outbox {
			case "file":
				checkKeptInOutbox(t, be, &slow, env, box, stderr)
			case "full":
				checkDumped(t, delivered, tc.targets, stderr)
				checkNothingKept(t, env, box, stderr)
			default:
				checkDumped(t, delivered, tc.targets, stderr)
			}
		})
	}
}

// checkKeptInOutbox checks that the chunks the backend did not take are
// all pending in box, as stderr says, none lost, and that a flush
// delivers them, each once.
func checkKeptInOutbox(t *testing.T, be *transporttest.Backend, slow *atomic.Bool, env []string, box, stderr string) {
	t.Helper()
	m := regexp.MustCompile(`injectkit: sending stopped by a second interrupt; (\d+) signature bodies stored in outbox ` +
		regexp.QuoteMeta(box) + ` \(flush with: `).FindStringSubmatch(stderr)
	s, err := outbox.Open(box, outbox.Options{Shared: true})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.List()
	incomplete, ierr := s.Incomplete()
	_ = s.Close()
	if err != nil || ierr != nil {
		t.Fatal(err, ierr)
	}
	if len(recs) == 0 || len(incomplete) != 0 {
		t.Fatalf("%d bodies kept, %d sends incomplete\n%s", len(recs), len(incomplete), stderr)
	}
	total, done := recs[0].TotalChunks, len(be.Delivered())
	var chunks []int
	for _, r := range recs {
		chunks = append(chunks, r.ChunkIndex)
	}
	slices.Sort(chunks)
	for i, c := range chunks {
		if c != done+i || len(chunks) != total-done {
			t.Fatalf("chunks kept %v, want %d-%d of %d", chunks, done, total-1, total)
		}
	}
	if m == nil || m[1] != strconv.Itoa(total-done) {
		t.Fatalf("stderr does not count the %d bodies kept:\n%s", total-done, stderr)
	}
	slow.Store(false)
	code, out, errs := injectkit(t, env, "outbox", "flush", "--backend-url", be.URL, "--log-level", "error")
	if code != 0 {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	if delivered := be.DeliveredOnce(t); len(delivered) != total {
		t.Errorf("%d chunks delivered after the flush, want %d", len(delivered), total)
	}
}

// checkNothingKept checks that stderr says the outbox box was full and
// the chunks not delivered neither sent nor kept, and that box holds
// nothing.
func checkNothingKept(t *testing.T, env []string, box, stderr string) {
	t.Helper()
	for _, want := range []string{"outbox " + box + " full: ", "neither sent nor kept"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, testkit.Tail(stderr, 2))
		}
	}
	if strings.Contains(stderr, "stored in outbox") {
		t.Errorf("stderr says bodies were stored:\n%s", testkit.Tail(stderr, 2))
	}
	code, out, errs := injectkit(t, env, "outbox", "list")
	if code != 0 || !strings.Contains(out, "0 pending, 0 dead, 0 B ") {
		t.Errorf("outbox list: exit %d, something kept:\n%s%s", code, out, errs)
	}
}

// checkDumped checks that stderr prints the signatures of every target
// the delivered chunks do not hold, of the targets the run sent, and lists
// those chunks.
func checkDumped(t *testing.T, delivered map[string][][]byte, targets int, stderr string) {
	t.Helper()
	type doc struct {
		Delivered  []int `json:"chunks_delivered"`
		Signatures struct {
			Targets []json.RawMessage `json:"targets"`
		} `json:"expectation_signature"`
	}
	sent := 0
	var chunks []int
	for _, bodies := range delivered {
		var d struct {
			doc
			Chunk int `json:"chunk_index"`
		}
		if err := json.Unmarshal(bodies[0], &d); err != nil {
			t.Fatal(err)
		}
		sent += len(d.Signatures.Targets)
		chunks = append(chunks, d.Chunk)
	}
	slices.Sort(chunks)
	_, raw, ok := strings.Cut(stderr, "undelivered signatures: ")
	raw, _, _ = strings.Cut(raw, "\n")
	var dump doc
	if !ok || json.Unmarshal([]byte(raw), &dump) != nil {
		t.Fatalf("no undelivered signatures on stderr:\n%s", testkit.Tail(stderr, 5))
	}
	if !slices.Equal(dump.Delivered, chunks) || sent+len(dump.Signatures.Targets) != targets {
		t.Errorf("dump lists chunks %v delivered (want %v) and %d targets, with %d delivered: want %d in all",
			dump.Delivered, chunks, len(dump.Signatures.Targets), sent, targets)
	}
	if !strings.Contains(stderr, "injectkit: sending stopped by a second interrupt: ") {
		t.Errorf("stderr does not say the send was stopped:\n%s", testkit.Tail(stderr, 3))
	}
}

// A second Ctrl-C while `run --profile openaev --outbox none` posts the
// terminal INVALID_USAGE callback of an inject it refuses (a bad param)
// exits at once, 130: that post ignores the interrupts by design, so no
// send holds the abort, and stderr says the rejection in flight is
// abandoned, kept nowhere. It said the bodies not delivered stayed in the
// outbox, though there was none.
func TestBinarySecondInterruptWhileRejectingWithoutOutbox(t *testing.T) {
	p := platformFor(t, openaevtest.Current, false)
	registerContracts(t, p)
	const id = "inj-refused-abort"
	p.AddInject(id, openaev.ContractID("noop"))
	hung := make(chan struct{})
	var once sync.Once
	forward := testkit.ReverseProxy(t, p.URL)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if bytes.Contains(body, []byte(`"INVALID_USAGE"`)) {
			once.Do(func() { close(hung) })
			<-r.Context().Done() // never answered
			return
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	cmd := exec.Command(bin, "run", "noop", "--inject-id", id, "--target", "10.0.0.1", "--param", "outcome=bogus",
		"--profile", "openaev", "--backend-url", front.URL, "--log-level", "error")
	cmd.Env = append(os.Environ(), "INJECTKIT_OUTBOX=none", "INJECTKIT_TOKEN="+platformToken, "XDG_STATE_HOME="+t.TempDir())
	proc := testkit.Start(t, cmd)
	select {
	case <-hung:
	case <-time.After(time.Minute):
		t.Fatalf("no rejection posted:\n%s", proc.Stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	proc.Stderr.AwaitText(t, time.Minute, "stopping gracefully")
	if code := proc.Stop(t, syscall.SIGINT, time.Minute); code != cli.ExitInterrupted {
		t.Fatalf("exit %d after a second SIGINT, want %d\n%s", code, cli.ExitInterrupted, proc.Stderr.String())
	}
	stderr := proc.Stderr.String()
	want := "injectkit: interrupt again: exiting now; the rejection of inject " + id + " being sent (its terminal callback) is abandoned: it is kept nowhere"
	if !strings.Contains(stderr, want) || strings.Contains(stderr, "outbox list") {
		t.Errorf("stderr does not say the rejection in flight is abandoned, or names an outbox:\n%s", testkit.Tail(stderr, 2))
	}
}
