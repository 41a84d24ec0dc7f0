package outbox

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// TestHelperSendKilled is the child process of TestAttemptCutByKill: it
// claims record id of the outbox OUTBOX_SENDKILL_CHILD names
// ("<outbox>|<id>|<mode>") and, mode post, sends it through a poster that
// says "posting" and never answers; mode failed, sends it through one
// that fails at once and says "settled" once Send settled it; mode none,
// says "ready" without sending. Then it waits to be killed (see
// waitForKill).
func TestHelperSendKilled(t *testing.T) {
	arg := os.Getenv("OUTBOX_SENDKILL_CHILD")
	if arg == "" {
		t.Skip("helper process")
	}
	f := strings.Split(arg, "|")
	id, _ := strconv.ParseUint(f[1], 10, 64)
	s, err := Open(f[0], Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		os.Exit(3)
	}
	r, ok, err := s.Claim(id)
	if err != nil || !ok {
		os.Exit(4)
	}
	switch f[2] {
	case "post":
		_, _ = s.Send(context.Background(), posterFunc(func(context.Context, string, int, []byte) error {
			fmt.Println("posting")
			waitForKill() // on the wire, no answer: the parent kills it now
			return nil
		}), r, time.Minute)
	case "failed":
		_, _ = s.Send(context.Background(), posterFunc(func(context.Context, string, int, []byte) error {
			return errors.New("status 503")
		}), r, time.Minute)
		fmt.Println("settled")
	default:
		fmt.Println("ready")
	}
	waitForKill()
}

// waitForKill blocks until the parent kills the process (its stdin, a
// pipe the parent holds open, never ends before).
func waitForKill() { _, _ = io.Copy(io.Discard, os.Stdin) }

// TestAttemptCutByKill: a process killed (SIGKILL) while a stored body's
// POST is in flight leaves no outcome of that attempt, and the backend
// may hold the body: the next process that opens the outbox counts it as
// an attempt that got no answer (Attempts, Unanswered), started when the
// process noted it (Interrupted, what a post of the record gets from
// InterruptedAt), and removes the dead process's file of attempts. A body
// never sent, or whose attempt was settled before the kill, gets nothing
// of the kind; the attempt of a process still alive is not counted.
func TestAttemptCutByKill(t *testing.T) {
	tests := []struct {
		mode       string
		say        string
		attempts   int
		unanswered int
		cut        bool
	}{
		{"post", "posting", 1, 1, true},
		{"failed", "settled", 1, 0, false},
		{"none", "ready", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{Shared: true})
			id := putComplete(t, s).ID
			// Stored, and let go of: a flush's to take.
			if err := s.MarkFailed(id, 0, "", time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			started := time.Now()
			cmd := childSending(t, path, id, tt.mode, tt.say)

			// While the child lives, its attempt is its own.
			live, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			r, err := live.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Unanswered != 0 || !r.Interrupted.IsZero() {
				t.Errorf("with its process alive: %d unanswered, interrupted %s; want its attempt not counted", r.Unanswered, r.Interrupted)
			}
			if err := live.Close(); err != nil {
				t.Fatal(err)
			}

			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			after, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer after.Close()
			r, err = after.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Attempts != tt.attempts || r.Unanswered != tt.unanswered || r.Interrupted.IsZero() == tt.cut {
				t.Errorf("after the kill: %d attempts, %d unanswered, interrupted %s; want %d, %d, interrupted %t",
					r.Attempts, r.Unanswered, r.Interrupted, tt.attempts, tt.unanswered, tt.cut)
			}
			if tt.cut {
				if r.Interrupted.Before(started.Add(-time.Second)) || r.Interrupted.After(time.Now()) || !strings.Contains(r.LastError, "ended before its outcome was recorded") {
					t.Errorf("interrupted %s (the child started at %s), last error %q", r.Interrupted, started, r.LastError)
				}
				// A post of it gets when the cut attempt started.
				c, ok, err := after.Claim(id)
				if err != nil || !ok {
					t.Fatalf("claim: %v %v", ok, err)
				}
				var got time.Time
				var earlier int
				_, _ = after.Send(context.Background(), posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error {
					got, _ = InterruptedAt(ctx)
					earlier = EarlierUnanswered(ctx)
					return nil
				}), c, time.Minute)
				if !got.Equal(r.Interrupted) || earlier != 1 {
					t.Errorf("the post got InterruptedAt %s and %d earlier unanswered, want %s and 1", got, earlier, r.Interrupted)
				}
			}
			left, _ := filepath.Glob(path + ".sending-*")
			if len(left) > 1 || len(left) == 1 && left[0] != after.attemptsPath() {
				t.Errorf("files of attempts left: %v, want the killed process's removed", left)
			}
		})
	}
}

// childSending starts TestHelperSendKilled on record id of the outbox at
// path in mode, and returns once it said say.
func childSending(t *testing.T, path string, id uint64, mode, say string) *exec.Cmd {
	t.Helper()
	cmd, out := StartChild(t, "TestHelperSendKilled", fmt.Sprintf("OUTBOX_SENDKILL_CHILD=%s|%d|%s", path, id, mode))
	line, err := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != say {
		t.Fatalf("the child said %q (%v), want %q", line, err, say)
	}
	return cmd
}

// TestResenderCountsAttemptsOfProcessesEndedSinceOpen: a process (a
// concurrent run) killed during a POST after this one opened the shared
// outbox has its attempt counted by this one's next Resender pass, before
// the body is resent: the post gets when the cut attempt started.
func TestResenderCountsAttemptsOfProcessesEndedSinceOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	s, err := Open(path, Options{Shared: true, Timeout: DefaultTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := putComplete(t, s).ID
	if err := s.MarkFailed(id, 0, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	cmd := childSending(t, path, id, "post", "posting")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	var got time.Time
	var earlier, posts int
	rs := &Resender{Store: s, Client: func(string) (Poster, error) {
		return posterFunc(func(ctx context.Context, _ string, _ int, _ []byte) error {
			posts++
			got, _ = InterruptedAt(ctx)
			earlier = EarlierUnanswered(ctx)
			return nil
		}), nil
	}}
	res, err := rs.Flush(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if posts != 1 || res.Delivered != 1 || got.Before(started.Add(-time.Second)) || got.After(time.Now()) || earlier != 1 {
		t.Errorf("flush: %d posts, %d delivered; the post got InterruptedAt %s and %d earlier unanswered; want 1, 1, "+
			"the child's attempt (started after %s) and 1", posts, res.Delivered, got, earlier, started)
	}
}

// TestInterruptedFromTheLastRequest: a post whose first request got a
// 503 and whose retry, a minute later, was on the wire when the process
// was killed is counted by the next opener from the start of that retry,
// not of the post: the backend may hold the retry, and a window held
// from the post's start would have passed before the retry was sent.
// Send and a Deliverer alike.
func TestInterruptedFromTheLastRequest(t *testing.T) {
	tests := []struct {
		name string
		post func(s *Store, c *transport.Client, e Entry)
	}{
		{"send", func(s *Store, c *transport.Client, e Entry) {
			recs, err := s.Put(e)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = s.Send(context.Background(), c, recs[0], time.Minute)
		}},
		{"deliverer", func(s *Store, c *transport.Client, e Entry) {
			d := &Deliverer{Store: s, Profile: clientBody{Client: c, e: e}, MaxBackoff: time.Minute}
			_ = d.Deliver(context.Background(), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			var mu sync.Mutex
			now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			s, err := Open(path, Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			pid, start := endedProcess(t)
			killed := fmt.Sprintf("%s.sending-%d-%d", path, pid, start)
			be := transporttest.NewBackendFunc(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 0 {
					// Answered 503; the retry is made a minute later
					// (a Retry-After, backoffs).
					mu.Lock()
					now = now.Add(time.Minute)
					mu.Unlock()
				} else {
					// The retry on the wire: the file as a process
					// killed now leaves it.
					raw, err := os.ReadFile(s.attemptsPath())
					if err == nil {
						err = os.WriteFile(killed, raw, 0o600)
					}
					if err != nil {
						t.Error(err)
					}
				}
				w.WriteHeader(http.StatusServiceUnavailable)
			})
			c, err := transport.New(be.URL, transport.WithRetry(2, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			tt.post(s, c, Entry{InjectID: "i-1", Phase: "execution_complete", BaseURL: be.URL, Body: []byte(`{"x":1}`)})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			retry := clock()
			after, err := Open(path, Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer after.Close()
			list, err := after.List()
			if err != nil || len(list) != 1 {
				t.Fatalf("records %v (%v), want the one stored", list, err)
			}
			if r := list[0]; !r.Interrupted.Equal(retry) || r.Unanswered != 1 {
				t.Errorf("recovered: interrupted %s, %d unanswered; want the retry's start %s, 1",
					r.Interrupted.Format(time.TimeOnly), r.Unanswered, retry.Format(time.TimeOnly))
			}
		})
	}
}

// clientBody is a Profile of one entry, posted by a transport.Client.
type clientBody struct {
	*transport.Client
	e Entry
}

func (p clientBody) Bodies(context.Context, *runtime.Report) (Bodies, error) { return One(p.e), nil }

// oneBody is a Profile of one entry.
type oneBody struct {
	posterFunc
	e Entry
}

func (p oneBody) Bodies(context.Context, *runtime.Report) (Bodies, error) { return One(p.e), nil }

// TestAttemptsEndedWhenTheCutFails is reviewer r18's finding: once no
// attempt was in flight, a file of attempts of 64 KiB or more was cut to
// nothing instead of getting its end lines, and a cut that failed wrote
// neither: a kill then counted attempts that had ended as interrupted,
// their bodies held for nothing. The end lines are written instead. The
// file is made append-only (chattr +a: writes go on, a truncation fails
// with EPERM), which needs root and a file system that has the flag.
func TestAttemptsEndedWhenTheCutFails(t *testing.T) {
	s := openTemp(t, Options{})
	const id = 7
	if err := s.startAttempt(Record{ID: id}); err != nil {
		t.Fatal(err)
	}
	path := s.attemptsPath()
	if out, err := exec.Command("chattr", "+a", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +a: %v %s", err, out)
	}
	defer func() { _ = exec.Command("chattr", "-a", path).Run() }()
	if err := os.Truncate(path, 0); err == nil {
		t.Skip("an append-only file could be truncated here")
	}
	s.attempts.size = cutAttemptsFile // as if the file had grown to the cut
	s.endAttempts(id)
	raw, err := os.ReadFile(path)
	if got := parseAttempts(raw, 0); err != nil || len(got) != 0 {
		t.Errorf("the cut failed: attempts noted in flight %v (%v), want none: %q", got, err, raw)
	}
}
