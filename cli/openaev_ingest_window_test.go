package cli_test

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// Tester t94's case (b): against a platform that queues its callbacks
// (2.4.0's default), `run --openaev-message` twice within the ingestion
// window. The first run's complete is answered 200 and held, the inject
// still PENDING; the second run, 29 s later by the window's clock, told by
// the outbox that the complete was sent then, exits 2 before its
// reception, naming the window. Once
// the platform's worker runs, the inject is completed once, nothing
// dropped. With a window of 0 (a platform on the legacy ingestion), or
// without an outbox (nothing outlives a run), the second run runs, as
// documented: its complete, held five times by the worker (the inject
// finished by then), repeats the first's finding, and the platform drops
// it with its batch.
func TestRunOpenAEVWithinIngestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		refused  bool
		received int // receptions the platform got
	}{
		{"outbox, default window: refused", nil, true, 1},
		{"window 0: runs", []string{"--openaev-ingest-window", "0"}, false, 2},
		{"--outbox none: runs", []string{"--outbox", "none"}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-window"
			p := noopPlatform(t, id, openaevtest.WithHeldIngestion())
			env, _ := outboxEnv(t)
			msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
			args := append([]string{"run", "noop", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error"}, tt.args...)
			clock := newWindowClock()
			if r := runAt(t, clock, registry(), env, args...); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
			}
			clock.Add(openaev.DefaultIngestWindow - time.Second)
			r := runAt(t, clock, registry(), env, args...)
			switch {
			case tt.refused && r.code != cli.ExitUsage:
				t.Fatalf("second run: exit %d, want 2: %s", r.code, r.stderr)
			case tt.refused:
				for _, want := range []string{"inject " + id + ": its complete was sent ", "ingestion window (30s)",
					"nothing ran or was sent", "--rerun-finished"} {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("stderr %q, want it to say %q", r.stderr, want)
					}
				}
			case r.code != 0:
				t.Fatalf("second run: exit %d: %s", r.code, r.stderr)
			}
			if n := len(p.Receptions(id)); n != tt.received {
				t.Errorf("%d receptions, want %d", n, tt.received)
			}
			for range 6 { // the worker's turns: a complete of a finished inject is held five times
				p.Ingest()
			}
			if n := len(p.Completions(id)); n != 1 {
				t.Errorf("the platform completed the inject %d times, want once", n)
			}
			dropped := p.Dropped()
			if tt.refused && len(dropped) != 0 {
				t.Errorf("the platform dropped %d callbacks (first: %s), want none", len(dropped), dropped[0].Reason)
			}
			if !tt.refused && (len(dropped) != 1 || !strings.Contains(dropped[0].Reason, "already stored")) {
				t.Errorf("the platform dropped %d callbacks, want the second complete, its finding repeated", len(dropped))
			}
		})
	}
}

// Tester t94's case (a) through the CLI: the run's complete is queued by
// the platform and its answer lost: the connection cut, or Istio's
// "503 UC" (Envoy's 503 once the platform reset the connection after it
// took the body). The run does not post it again while the platform shows
// the inject PENDING within the window: it keeps it in the outbox and
// exits 1 with the flush hint. Once the platform's worker has run, the
// flush finds the complete taken (its run mark in the inject's trace) and
// sends nothing more: the inject is completed once. Envoy's 503 for a
// complete it never sent (the platform down: its connection failed) is
// retried at once, and delivered.
func TestRunOpenAEVLostCompleteWithinIngestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(w http.ResponseWriter, r *http.Request, forward http.Handler)
		held  bool // the complete may have been taken: not sent again within the window
	}{
		{"connection cut", testkit.LoseAnswer, true},
		{"Envoy's 503 after a reset", testkit.EnvoyReset, true},
		{"Envoy's 503, never sent", func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			testkit.EnvoyAnswer(w, testkit.EnvoyNeverSentBody)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-lost"
			p := noopPlatform(t, id, openaevtest.WithHeldIngestion())
			proxy := testkit.FaultProxy(t, p.URL, 1, []byte(`"execution_action":"complete"`), tt.fault)
			env, box := outboxEnv(t)
			msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
			clock := newWindowClock()
			r := runAt(t, clock, registry(), env, "run", "noop", "--openaev-message", msg, "--backend-url", proxy.URL, "--log-level", "error")
			if !tt.held {
				if r.code != 0 {
					t.Fatalf("run: exit %d, want 0: a complete never sent is retried\n%s", r.code, r.stderr)
				}
				p.Ingest()
				if n, all := len(p.Completions(id)), len(p.CallsOf(openaevtest.KindComplete)); n != 1 || all != 1 {
					t.Errorf("the platform completed the inject %d times of %d completes received, want once of 1", n, all)
				}
				return
			}
			checkKept(t, r, box)
			if !strings.Contains(r.stderr, "within the platform's ingestion window (30s)") {
				t.Errorf("stderr %q, want it to say the complete was not sent again within the ingestion window", r.stderr)
			}
			if n := len(p.CallsOf(openaevtest.KindComplete)); n != 1 {
				t.Fatalf("the platform received %d completes, want the lost one only", n)
			}
			p.Ingest()
			f := runAt(t, clock, registry(), env, "outbox", "flush", "--backend-url", proxy.URL, "--log-level", "error")
			if f.code != 0 || !strings.Contains(f.stdout, "1 delivered, 0 still pending") {
				t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
			}
			p.Ingest()
			if n, all := len(p.Completions(id)), len(p.CallsOf(openaevtest.KindComplete)); n != 1 || all != 1 {
				t.Errorf("the platform completed the inject %d times of %d completes received, want once of 1", n, all)
			}
		})
	}
}

// Reviewer r15's second case: a run's complete the platform answered 503
// (not taken) is kept; `outbox flush` delivers it to a platform that
// queues it. The flush notes it in the outbox with its
// --openaev-ingest-window (30s by default), as a run does: a run of the
// inject within that window after it (by the window's clock: 29 s, 59 s
// with a window of 1m) exits 2 before its reception, instead of sending a
// second complete the platform would drop with its batch. A flush given a
// window of 0 (a platform on the legacy ingestion) notes nothing.
func TestFlushNotesTheCompleteItDelivers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		flush   []string // added to the flush's arguments
		env     map[string]string
		after   time.Duration // from the flush to the run
		refused bool
	}{
		{"default window", nil, nil, 29 * time.Second, true},
		{"--openaev-ingest-window 1m", []string{"--openaev-ingest-window", "1m"}, nil, 59 * time.Second, true},
		{"INJECTKIT_OPENAEV_INGEST_WINDOW=0", nil, map[string]string{"INJECTKIT_OPENAEV_INGEST_WINDOW": "0"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-flushed"
			clock := newWindowClock()
			p, env, _, args := keptCompleteRun(t, clock, id)
			flushEnv := maps.Clone(env)
			maps.Copy(flushEnv, tt.env)
			f := runAt(t, clock, registry(), flushEnv, append([]string{"outbox", "flush", "--backend-url", p.URL, "--log-level", "error"}, tt.flush...)...)
			if f.code != 0 || !strings.Contains(f.stdout, "1 delivered, 0 still pending") {
				t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
			}
			clock.Add(tt.after)
			r := runAt(t, clock, registry(), env, args...)
			refused := r.code == cli.ExitUsage && strings.Contains(r.stderr, "inject "+id+": its complete was sent ") &&
				strings.Contains(r.stderr, "within the platform's ingestion window")
			if refused != tt.refused {
				t.Errorf("run after the flush: exit %d, refused for the window %v, want %v: %s", r.code, refused, tt.refused, r.stderr)
			}
			if !tt.refused {
				return
			}
			for range 6 {
				p.Ingest()
			}
			if n := len(p.Completions(id)); n != 1 {
				t.Errorf("the platform completed the inject %d times, want once", n)
			}
			noneDropped(t, p)
		})
	}
}

// Reviewer r16's third case: the platform's pending sweep finalized an
// inject without a result while it held a "complete" of it (answered 200
// just now, or attempted 40 s ago without an answer, past the window),
// which 2.4.0 requeues before it saves it. `run` refuses the inject for
// the sweep (exit 2, saying --rerun-finished runs it), and with
// --rerun-finished it is held all the same until the window and the
// requeue span have passed (exit 2, one line, nothing sent): its
// reception would reopen the inject, the platform save the requeued
// complete, and the rerun's be a second one. The platform then saves the
// first, once; nothing is dropped.
func TestRunOpenAEVSweptHeldForTheRequeues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// complete sends the inject's complete, which the platform takes
		// and queues, and notes it in the outbox at box, at the time of
		// clock.
		complete func(t *testing.T, clock *testkit.Clock, p *openaevtest.Platform, env map[string]string, box, id string)
	}{
		{"its complete delivered just now", func(t *testing.T, clock *testkit.Clock, p *openaevtest.Platform, env map[string]string, _, id string) {
			r := runAt(t, clock, registry(), env, "run", "noop", "--openaev-message", oneAssetMessage(t, id, openaev.ContractID("noop")),
				"--backend-url", p.URL, "--log-level", "error")
			if r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
			}
		}},
		{"its complete attempted 40s ago without an answer", func(t *testing.T, clock *testkit.Clock, p *openaevtest.Platform, _ map[string]string, box, id string) {
			received(t, nil, p, id)
			req, err := http.NewRequest(http.MethodPost, p.URL+"/api/injects/execution/callback/"+id, strings.NewReader(
				`{"execution_message":"done [run 0123abcd]","execution_status":"SUCCESS","execution_duration":1,"execution_action":"complete"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+platformToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req) // taken, its answer lost
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			st, err := outbox.Open(box, outbox.Options{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			// As the run's note of it: the default window, and the
			// requeue span after it.
			note := outbox.CompleteNote{At: clock.Now().Add(-40 * time.Second), Window: 155 * time.Second, IngestWindow: 30 * time.Second}
			if err := st.NoteComplete(strings.TrimRight(p.URL, "/"), id, note); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-swept-held"
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithHeldIngestion())
			registered(t, p, platformToken, registry())
			p.AddInject(id, openaev.ContractID("noop"))
			p.Dispatch(id)
			env, box := outboxEnv(t)
			clock := newWindowClock()
			tt.complete(t, clock, p, env, box, id)
			p.SweepPending(time.Now().Add(p.PendingThreshold() + time.Minute))
			p.Ingest() // the complete requeued: the inject is not PENDING
			if st := p.InjectStatus(id); st != "ERROR" || p.Queue() == 0 {
				t.Fatalf("inject %s, %d callbacks queued; want it swept (ERROR), its complete requeued", st, p.Queue())
			}
			receptions := len(p.Receptions(id))
			args := []string{"run", "noop", "--openaev-message", oneAssetMessage(t, id, openaev.ContractID("noop")),
				"--backend-url", p.URL, "--log-level", "warn"}
			for _, rr := range []struct {
				args        []string
				want, never []string
			}{
				{nil, []string{"finalized by the platform without a result", "give --rerun-finished to run it"}, nil},
				{[]string{"--rerun-finished"}, []string{"inject " + id + ": its complete was sent ", "the platform finalized the inject without a result",
					"requeuing it 5 times", "nothing ran or was sent", "wait until ", "the platform's requeue span after it have passed",
					"--rerun-finished does not run it before then"}, []string{"give --rerun-finished", "WARN"}},
			} {
				r := runAt(t, clock, registry(), env, append(args, rr.args...)...)
				if r.code != cli.ExitUsage {
					t.Fatalf("run %v: exit %d, want 2:\n%s", rr.args, r.code, r.stderr)
				}
				checkSays(t, "stderr", r.stderr, rr.want, rr.never)
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
					t.Errorf("run %v: stderr has %d lines, want one:\n%s", rr.args, n+1, r.stderr)
				}
			}
			if n := len(p.Receptions(id)); n != receptions {
				t.Errorf("%d receptions, want %d: a refused run sent one", n, receptions)
			}
			for p.Queue() > 0 { // the requeues, then the save
				p.Ingest()
			}
			if n, all := len(p.Completions(id)), len(p.CallsOf(openaevtest.KindComplete)); n != 1 || all != 1 {
				t.Errorf("the platform completed the inject %d times of %d completes received, want once of 1", n, all)
			}
			noneDropped(t, p)
		})
	}
}

// Tester t107's case D1: a run killed (kill -9) while its complete was on
// the wire left that attempt unended in the outbox; the next process to
// open the outbox counts it (Record.Interrupted), without a note of the
// complete. A run of the inject within the ingestion window of that
// attempt's start exits 2 as after a complete sent, nothing sent; one
// past the window runs. The killed attempt is written as a process that
// ended left it: its file of attempts, named by its pid.
func TestRunOpenAEVKilledCompleteWithinIngestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ago     time.Duration // when the killed attempt started
		refused bool
	}{
		{"started just now: refused", 0, true},
		{"started past the window: runs", 31 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-killed"
			clock := newWindowClock()
			p, env, box, args := keptCompleteRun(t, clock, id)
			var rec outbox.Record
			withStore(t, box, func(s *outbox.Store) (err error) {
				rec, _, err = s.PendingOf(id, nil)
				return err
			})
			ended := exec.Command("true")
			if err := ended.Run(); err != nil {
				t.Fatal(err)
			}
			sending := fmt.Sprintf("%s.sending-%d-1", box, ended.Process.Pid)
			line := fmt.Appendf(nil, "s %d %d\n", rec.ID, clock.Now().Add(-tt.ago).UnixNano())
			if err := os.WriteFile(sending, line, 0o600); err != nil {
				t.Fatal(err)
			}
			receptions := len(p.Receptions(id))
			r := runAt(t, clock, registry(), env, args...)
			if !tt.refused {
				if r.code == cli.ExitUsage {
					t.Errorf("run: exit 2, want it run: %s", r.stderr)
				}
				return
			}
			if r.code != cli.ExitUsage {
				t.Fatalf("run: exit %d, want 2: %s", r.code, r.stderr)
			}
			for _, want := range []string{"inject " + id + ": its complete was sent ", "within the platform's ingestion window (30s)",
				"nothing ran or was sent"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q, want it to say %q", r.stderr, want)
				}
			}
			if n := len(p.Receptions(id)); n != receptions || len(p.CallsOf(openaevtest.KindComplete)) != openaev.DefaultAttempts {
				t.Errorf("the refused run sent %d receptions, %d completes in all", n-receptions, len(p.CallsOf(openaevtest.KindComplete)))
			}
		})
	}
}

// keptCompleteRun runs noop once for inject id, one asset, on a platform
// that holds its callbacks for ingestion and answers each attempt of the
// complete 503: the run keeps it in its outbox, exit 1. The run reads
// clock for the ingestion window. It returns the platform, the run's
// environment and outbox, and its arguments, to run the inject again.
func keptCompleteRun(t *testing.T, clock *testkit.Clock, id string) (p *openaevtest.Platform, env map[string]string, box string, args []string) {
	t.Helper()
	p = noopPlatform(t, id, openaevtest.WithHeldIngestion())
	p.FailComplete(id, http.StatusServiceUnavailable, openaev.DefaultAttempts)
	env, box = outboxEnv(t)
	msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
	args = []string{"run", "noop", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error"}
	if r := runAt(t, clock, registry(), env, args...); r.code != cli.ExitDelivery {
		t.Fatalf("first run: exit %d, want 1 (its complete kept): %s", r.code, r.stderr)
	}
	return p, env, box, args
}
