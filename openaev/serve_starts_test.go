package openaev_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

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
