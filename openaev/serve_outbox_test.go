package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/outbox/outboxtest"
)

// TestHandlerRoomOfTheLargestResult checks the room a run reserves in a
// full outbox (the platform failing every "complete", so that each
// result stays stored): 4 KiB before any result was seen, then that of
// the largest result stored so far (the bytes its bodies needed in the
// outbox, as outbox.Deliverer's Sized says). An inject is paused only when the
// outbox has no such room; every inject run has its result kept.
func TestHandlerRoomOfTheLargestResult(t *testing.T) {
	const minRoom = 4 << 10
	tests := []struct {
		name    string
		max     int64
		prefill bool // a callback stored first: less than 4 KiB left
	}{
		{name: "4 KiB: the first result's room", max: minRoom},
		{name: "4 KiB, a callback stored: no room for a result of unknown size", max: minRoom, prefill: true},
		{name: "16 KiB", max: 16 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, outboxMax: tt.max})
			if tt.prefill {
				s.keepCallback(t)
			}
			for i := 0; ; i++ {
				if i == 100 {
					t.Fatalf("100 injects run in an outbox of %d bytes, none paused", tt.max)
				}
				id := fmt.Sprintf("i-%d", i)
				s.platform.FailComplete(id, http.StatusInternalServerError, 1<<20)
				before, need := s.storedBytes(t), s.largest.Load() // the largest result before this one
				err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)})
				if need == 0 {
					need = min(minRoom, tt.max)
				}
				var pe *serve.PauseError
				if errors.As(err, &pe) {
					if before+need <= tt.max {
						t.Errorf("%s paused (%v) with %d of %d bytes stored, room for a result of %d bytes (the largest so far, else 4 KiB)", id, err, before, tt.max, need)
					}
					if n := int(s.nmap.calls.Load()); n != i {
						t.Errorf("%d runs of %d injects handled before the pause", n, i)
					}
					break
				}
				if err != nil {
					t.Fatalf("%s: %v, want stored and acknowledged, or paused", id, err)
				}
				if before+need > tt.max {
					t.Errorf("%s ran with %d of %d bytes stored, no room for a result of %d bytes", id, before, tt.max, need)
				}
			}
			if n := s.logs.FilterMessageSnippet("without storing it").Len(); n != 0 {
				t.Errorf("%d results found no room after their run", n)
			}
		})
	}
}

// storedBytes returns the bytes the outbox holds.
func (s *serveEnv) storedBytes(t *testing.T) int64 {
	t.Helper()
	st, err := s.store.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return st.Bytes
}

// TestHandlerPauseReasonNow checks the reason of a pause for a full
// outbox, as /healthz reads it (serve.PauseError's Current): it counts
// the room the runs in flight reserved beside the bytes stored, and says
// the outbox as the paused Handler's last check found it (its Wait checks
// every half second), not as when the pause started; reading it reads
// nothing of the outbox (see TestPauseReasonNeverWaitsForTheLock).
func TestHandlerPauseReasonNow(t *testing.T) {
	const limit = 6000 // room for one run in flight, of 4 KiB, not two
	s := newServeEnv(t, serveOpts{outbox: true, outboxMax: limit})
	handle := func(id string) error {
		s.platform.FailComplete(id, http.StatusInternalServerError, 1<<20)
		return s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: s.message(t, id, "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)})
	}
	running, free := s.nmap.holdNextRun()
	defer free() // a failed test leaves no run blocked
	first := make(chan error, 1)
	go func() { first <- handle("i-0") }()
	<-running
	var pe *serve.PauseError
	if err := handle("i-1"); !errors.As(err, &pe) || pe.Current == nil {
		t.Fatalf("beside a run in flight: %v, want a pause whose reason is read anew", err)
	}
	for _, w := range []string{fmt.Sprintf("outbox full: %d of %d bytes stored, ", s.storedBytes(t), limit), " reserved for 1 result in flight"} {
		if now := pe.Current(); !strings.Contains(pe.Reason, w) || !strings.Contains(now, w) {
			t.Errorf("at the pause: reason %q, now %q; want %q in both", pe.Reason, now, w)
		}
	}
	free()
	if err := <-first; err != nil {
		t.Fatalf("the run in flight: %v, want its result stored and acknowledged", err)
	}
	stored := s.storedBytes(t)
	checking, stop := context.WithCancel(t.Context())
	waited := make(chan error, 1)
	go func() { waited <- pe.Wait(checking) }() // its checks, as while paused
	var now string
	testkit.WaitFor(t, testkit.Hang, "a check of the outbox since the result was stored", func() bool {
		now = pe.Current()
		return strings.Contains(now, " 0 reserved for 0 results in flight")
	})
	stop()
	<-waited
	for _, w := range []string{fmt.Sprintf(": %d of %d bytes stored, ", stored, limit), " 0 reserved for 0 results in flight"} {
		if stored == 0 || !strings.Contains(now, w) {
			t.Errorf("once the run's result is stored (%d bytes): reason now %q, want %q in it", stored, now, w)
		}
	}
	if full := stored+s.largest.Load() > limit; strings.HasPrefix(now, "outbox full:") != full {
		t.Errorf("reason now %q, with %d of %d bytes stored and %d needed: want it to say full only when it is", now, stored, limit, s.largest.Load())
	}
}

// TestHandlerOutboxAnEarlierVersionSendsFrom checks an inject whose
// outbox, still marked injectkit-outbox/1, a live process of an earlier
// version sends bodies from: its result could not be stored, so it is not
// run; the message waits as for a full outbox (a pause whose reason, read
// anew, names that process), and runs once, after that process ended.
func TestHandlerOutboxAnEarlierVersionSendsFrom(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	ended := false
	defer func() {
		if !ended {
			_ = older.Process.Kill()
			_ = older.Wait()
		}
	}()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	outboxtest.SentByOlderVersion(t, s.store.Path(), older.Process.Pid)
	body := s.message(t, "i-older", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	var pe *serve.PauseError
	want := "pid " + strconv.Itoa(older.Process.Pid) + ", a process of an earlier injectkit, is sending bodies from it"
	if !errors.As(err, &pe) || pe.Current == nil || !strings.Contains(pe.Reason, want) || !strings.Contains(pe.Current(), want) {
		t.Fatalf("handled while an earlier version sends from the outbox: %v, want a pause whose reason says %q", err, want)
	}
	// The reason /healthz shows is for a probe, not the advice the CLI
	// gives the person who ran a command.
	for _, reason := range []string{pe.Reason, pe.Current()} {
		if strings.Contains(reason, "run this once") || strings.Contains(reason, "give it another outbox") {
			t.Errorf("pause reason %q gives the CLI's advice", reason)
		}
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times, its result not storable", n)
	}

	_ = older.Process.Kill()
	_ = older.Wait()
	ended = true
	if err := pe.Wait(t.Context()); err != nil { // its checks, as while paused
		t.Fatalf("the pause did not end once that process ended: %v", err)
	}
	if now := pe.Current(); strings.Contains(now, want) {
		t.Errorf("once that process ended, checked: reason now %q, want it no longer named", now)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled again once that process ended: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
}

// An earlier version's process that starts sending from the outbox while
// the inject runs (after the check before the run) leaves the result
// refused by the store: serve sends it without storing it and
// acknowledges the message, instead of running the inject again.
func TestHandlerOutboxClaimedByAnEarlierVersionDuringTheRun(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = older.Process.Kill(); _ = older.Wait() }()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	s.nmap.during = func() { outboxtest.SentByOlderVersion(t, s.store.Path(), older.Process.Pid) }
	body := s.message(t, "i-meanwhile", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled while an earlier version began sending during the run: %v, want acknowledged, the result sent unstored", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
	if st := s.platform.InjectStatus("i-meanwhile"); st != "SUCCESS" && st != "EXECUTED" {
		t.Errorf("inject status %q on the platform, want SUCCESS (EXECUTED): its result was not sent", st)
	}
}

// TestHelperUnfinishedRuns is the child process of
// TestHandlerUnfinishedRuns: it records n starts of an inject in an
// outbox (OPENAEV_STARTS_CHILD, "<outbox>|<inject id>|<n>"), as serve
// does before each run, and exits during them, as a process whose
// injector panicked in a goroutine does (Go cannot recover that panic).
func TestHelperUnfinishedRuns(t *testing.T) {
	arg := os.Getenv("OPENAEV_STARTS_CHILD")
	if arg == "" {
		t.Skip("helper process")
	}
	f := strings.Split(arg, "|")
	n, _ := strconv.Atoi(f[2])
	s, err := outbox.Open(f[0], outbox.Options{Shared: true, Timeout: outbox.DefaultTimeout})
	if err != nil {
		os.Exit(3)
	}
	for range n {
		if _, _, err := s.StartRun(f[1], 1<<20); err != nil {
			os.Exit(4)
		}
	}
	os.Exit(2)
}

// TestHandlerUnfinishedRuns checks the outside tester's crash loop: an
// inject whose runs end the process (a panic in a goroutine of its
// injector) is run again on its redelivered message until its runs ended
// unfinished MaxUnfinishedRuns times; then its message is answered with
// its terminal ERROR saying so, acknowledged, counted failed, one ERROR
// line naming the inject, and its starts forgotten; so too without the
// broker's redelivered flag (tester t99: the starts say the message may
// have run before).
func TestHandlerUnfinishedRuns(t *testing.T) {
	tests := []struct {
		name        string
		unfinished  int // runs that ended their process
		redelivered bool
		complete    int // 503s on the terminal callback
		wantRun     bool
		wantSettle  string
		wantOutbox  map[outbox.State]int
		wantCounted string
	}{
		{name: "redelivered, no run ended unfinished: run", redelivered: true, wantRun: true, wantSettle: "ack", wantCounted: "completed"},
		{name: "redelivered, one run ended unfinished: run again", unfinished: 1, redelivered: true,
			wantRun: true, wantSettle: "ack", wantCounted: "completed"},
		{name: "redelivered, two runs ended unfinished: ERROR, not run", unfinished: openaev.MaxUnfinishedRuns, redelivered: true,
			wantSettle: "ack", wantCounted: "failed"},
		{name: "redelivered, three runs ended unfinished: ERROR, not run", unfinished: openaev.MaxUnfinishedRuns + 1, redelivered: true,
			wantSettle: "ack", wantCounted: "failed"},
		{name: "redelivered, two runs ended unfinished, the platform down: the ERROR kept in the outbox, acknowledged",
			unfinished: openaev.MaxUnfinishedRuns, redelivered: true, complete: 99,
			wantSettle: "ack", wantOutbox: map[outbox.State]int{outbox.Pending: 1}, wantCounted: "failed"},
		// Tester t99: the broker's flag is not to be relied on; the starts
		// the outbox holds say the message may have run before.
		{name: "no redelivered flag, two runs ended unfinished before: ERROR, not run", unfinished: openaev.MaxUnfinishedRuns,
			wantSettle: "ack", wantCounted: "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{outbox: true, shared: true})
			body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
			if tt.unfinished > 0 {
				endDuringRuns(t, s.store.Path(), "i-1", tt.unfinished)
			}
			if tt.complete > 0 {
				s.platform.FailComplete("i-1", http.StatusServiceUnavailable, tt.complete)
			}
			err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: tt.redelivered})
			if got := settlement(err); got != tt.wantSettle {
				t.Errorf("settlement %s (%v), want %s", got, err, tt.wantSettle)
			}
			if ran := s.nmap.calls.Load() > 0; ran != tt.wantRun {
				t.Errorf("run: %v, want %v", ran, tt.wantRun)
			}
			if got := s.records(t); len(got)+len(tt.wantOutbox) > 0 && !equalCounts(got, tt.wantOutbox) {
				t.Errorf("outbox %v, want %v", got, tt.wantOutbox)
			}
			if got := servetest.Metric(t, s.prom, "injectkit_injects_"+tt.wantCounted+"_total"); got != 1 {
				t.Errorf("injects %s %v, want 1", tt.wantCounted, got)
			}
			stopped := s.logs.FilterMessageSnippet("inject not run again: injectkit stopped while running it").All()
			if tt.wantRun {
				if len(stopped) != 0 {
					t.Errorf("%d lines saying the inject is not run again", len(stopped))
				}
				if term, ok := s.platform.Terminal("i-1"); !ok || term.Body["execution_status"] != "SUCCESS" {
					t.Errorf("terminal %v, want SUCCESS", term.Body)
				}
				return
			}
			if len(stopped) != 1 || stopped[0].Level != zap.ErrorLevel || stopped[0].ContextMap()["inject_id"] != "i-1" {
				t.Errorf("lines saying the inject is not run again: %v, want one ERROR naming i-1", stopped)
			}
			if tt.complete == 0 {
				want := fmt.Sprintf("injectkit stopped while running inject i-1 %d times", tt.unfinished)
				term, ok := s.platform.Terminal("i-1")
				if !ok || term.Body["execution_status"] != "ERROR" || !strings.Contains(fmt.Sprint(term.Body["execution_message"]), want) {
					t.Errorf("terminal %v, want ERROR saying %q", term.Body, want)
				}
				if st := s.platform.InjectStatus("i-1"); st != "ERROR" {
					t.Errorf("inject status %q on the platform, want ERROR", st)
				}
			}
			// Settled: the starts that ended unfinished are forgotten, and
			// the next redelivery would run the inject.
			if err := s.store.Close(); err != nil {
				t.Fatal(err)
			}
			again, err := outbox.Open(s.store.Path(), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			if _, n, err := again.StartRun("i-1", openaev.MaxUnfinishedRuns); n != 0 || err != nil {
				t.Errorf("after the ERROR, %d runs ended unfinished still counted (%v)", n, err)
			}
		})
	}
}

// endDuringRuns runs a process that records n starts of inject id in the
// outbox at path and ends before the runs do.
func endDuringRuns(t *testing.T, path, id string, n int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperUnfinishedRuns$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("OPENAEV_STARTS_CHILD=%s|%s|%d", path, id, n))
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("the child did not end during its runs: %v", err)
	}
}

// TestHandlerUnfinishedRunsSayNoRunAgain is tester t99's finding 5b: the
// crash-loop guard answering a message with its ERROR, the platform's
// answer to the reception showing an earlier run's complete, logged the
// guard's ERROR "inject not run again" and then "… running it again". Only
// the decision is logged: the ERROR, once.
func TestHandlerUnfinishedRunsSayNoRunAgain(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	body := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatal(err)
	}
	// The end of that run is a lazy write, which removes with it the
	// starts that ended unfinished so far: wait for it, or it may land
	// after the child's starts below and remove them too.
	testkit.WaitFor(t, testkit.Hang, "the first run's end written", func() bool {
		st, err := s.store.Starts()
		return err == nil && len(st) == 0
	})
	// Reopened (PENDING, the earlier run's COMPLETE trace kept), then two
	// runs that ended their process.
	if _, err := s.client.Reception(t.Context(), "i-1"); err != nil {
		t.Fatal(err)
	}
	endDuringRuns(t, s.store.Path(), "i-1", openaev.MaxUnfinishedRuns)
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body, Redelivered: true}); err != nil {
		t.Fatalf("redelivery: %v, want acknowledged", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("nmap ran %d times, want 1", n)
	}
	if n := s.logs.FilterMessageSnippet("inject not run again: injectkit stopped while running it").Len(); n != 1 {
		t.Errorf("%d lines saying the inject is not run again, want 1", n)
	}
	if lines := s.logs.FilterMessageSnippet("running it again").All(); len(lines) != 0 {
		t.Errorf("line %q contradicts the ERROR", lines[0].Message)
	}
}
