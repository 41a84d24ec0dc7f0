package cli_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A run of an inject the platform reports finished (a saved message run
// again, an --inject-id given twice) would reopen it: its reception sets
// it back to PENDING, and the platform merges the statuses of both runs'
// "complete" for good. `run --openaev-message` and `run --profile
// openaev` ask the platform first, as serve does for a redelivered
// message: a finished inject exits 2 naming it and its status, with no
// reception (unless --rerun-finished, its variable or its config key asks
// for the run); an unfinished one runs as before, and one whose status
// cannot be read runs, as serve runs it, after a WARN.
func TestRunOpenAEVFinishedInject(t *testing.T) {
	t.Parallel()
	rerunConfig := writeFile(t, "c.yaml", "rerun_finished: true\n")
	tests := []struct {
		name string
		// state brings the inject to its state on the platform before
		// the run checked (finished: run once already).
		state     func(t *testing.T, r func(args ...string) result, p *openaevtest.Platform, id string)
		env       map[string]string
		args      []string
		code      int
		want      []string // in stderr
		reopened  bool
		received  bool // the run sent a reception
		byRequest bool // --profile openaev --inject-id rather than a message
		// badMessage runs, once the state is set, a message of the inject
		// that the injector refuses.
		badMessage bool
	}{
		{name: "finished message refused", state: ranOnce, code: cli.ExitUsage,
			want: []string{"already finished on the platform (status ", "would reopen it and merge this run's status with the earlier run's",
				"nothing ran or was sent", "--rerun-finished"}},
		{name: "finished request refused", state: ranOnce, code: cli.ExitUsage, byRequest: true,
			want: []string{"already finished on the platform (status ", "--rerun-finished"}},
		{name: "finished, --rerun-finished", state: ranOnce, args: []string{"--rerun-finished"}, code: cli.ExitOK,
			want: []string{"WARN", "running it again as rerun_finished asks"}, reopened: true, received: true},
		{name: "finished, INJECTKIT_RERUN_FINISHED", state: ranOnce, env: map[string]string{"INJECTKIT_RERUN_FINISHED": "true"},
			code: cli.ExitOK, reopened: true, received: true, byRequest: true},
		{name: "finished, rerun_finished in the config file", state: ranOnce, args: []string{"--config", rerunConfig},
			code: cli.ExitOK, reopened: true, received: true},
		{name: "finished, message refused by the injector: no reception either", state: ranOnce, badMessage: true,
			code: cli.ExitUsage, want: []string{"already finished on the platform (status "}},
		{name: "queuing runs", code: cli.ExitOK, received: true},
		{name: "queuing request runs", code: cli.ExitOK, received: true, byRequest: true},
		{name: "pending runs", state: received, code: cli.ExitOK, received: true},
		{name: "finished, then received again (PENDING, its findings stored): runs, leaving them out", state: func(t *testing.T, r func(...string) result, p *openaevtest.Platform, id string) {
			ranOnce(t, r, p, id)
			received(t, r, p, id)
		}, code: cli.ExitOK, reopened: true, received: true, byRequest: true},
		{name: "finished, status denied: runs as serve does", state: func(t *testing.T, r func(...string) result, p *openaevtest.Platform, id string) {
			ranOnce(t, r, p, id)
			p.FailInjectRead(id, http.StatusForbidden, 1)
		}, code: cli.ExitOK, want: []string{"WARN", "the inject's status cannot be read from the platform; running it", "403"},
			reopened: true, received: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-again"
			p := noopPlatform(t, id)
			env, box := outboxEnv(t)
			for k, v := range tt.env {
				env[k] = v
			}
			msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
			args := []string{"run", "noop", "--openaev-message", msg}
			if tt.byRequest {
				args = []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "192.0.2.1"}
			}
			args = append(args, "--backend-url", p.URL, "--log-level", "warn")
			runAs := func(extra ...string) result {
				outEnv, _ := outboxEnv(t) // the earlier run's outbox: not the run's settings
				return run(t, registry(), outEnv, append(args, extra...)...)
			}
			if tt.state != nil {
				tt.state(t, runAs, p, id)
			}
			before, status := len(p.Receptions(id)), p.InjectStatus(id)
			if tt.badMessage {
				// A later message of the inject, with no target: the
				// processor would refuse it after its reception.
				args[3] = writeFile(t, "bad.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
					openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"assets"}},"assets":[]}`)
			}
			r := run(t, registry(), env, append(args, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, nil)
			if tt.code == cli.ExitUsage {
				if !strings.Contains(r.stderr, "inject "+id+" already finished on the platform (status "+status+")") {
					t.Errorf("stderr does not name inject %s and its status %s:\n%s", id, status, r.stderr)
				}
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
					t.Errorf("stderr has %d lines, want one:\n%s", n+1, r.stderr)
				}
				if got := p.InjectStatus(id); got != status {
					t.Errorf("inject status %s after the refusal, was %s", got, status)
				}
				noOutboxFile(t, box)
			}
			if got := len(p.Receptions(id)) - before; (got > 0) != tt.received {
				t.Errorf("%d receptions sent by the run, want some: %v", got, tt.received)
			}
			if got := p.Reopenings(id); (got > 0) != tt.reopened {
				t.Errorf("%d reopenings, want some: %v", got, tt.reopened)
			}
			if tt.code == cli.ExitOK && openaev.Finished(p.InjectStatus(id)) == false {
				t.Errorf("inject status %s after the run, want a final one", p.InjectStatus(id))
			}
			// A run again repeats the earlier run's finding (noop's summary),
			// which the platform stores once: its "complete" leaves it out,
			// and is processed, not dropped.
			noneDropped(t, p)
			if rows := p.StoredFindings(id); len(rows) != 1 {
				t.Errorf("stored findings %v, want noop's summary once", rows)
			}
		})
	}
}

// ranOnce runs the inject once, to its end: the platform shows it
// finished.
func ranOnce(t *testing.T, r func(...string) result, p *openaevtest.Platform, id string) {
	t.Helper()
	if res := r(); res.code != 0 {
		t.Fatalf("first run: exit %d: %s", res.code, res.stderr)
	}
	if st := p.InjectStatus(id); !openaev.Finished(st) {
		t.Fatalf("inject %s after its first run, want a final one", st)
	}
}

// received sends the inject's reception alone, as a run stopped before
// its end would: the platform shows it PENDING.
func received(t *testing.T, _ func(...string) result, p *openaevtest.Platform, id string) {
	t.Helper()
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: platformToken}, openaev.WithLogger(zap.NewNop()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reception(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if st := p.InjectStatus(id); st != "PENDING" {
		t.Fatalf("inject %s after its reception, want PENDING", st)
	}
}

// An inject the platform's pending sweep finalized without a result
// (openaevtest's rule 17: PENDING past its threshold since its dispatch,
// ERROR, a COMPLETE TIMEOUT trace per agent; openaev's
// InjectState.Unreported) holds no run's result: `run` refuses it as a
// finished inject (exit 2, one line, nothing sent), saying that the
// platform finalized it without a result and what --rerun-finished does,
// not that its status would be merged with an earlier run's. With
// --rerun-finished it runs: the reception reopens it, and the platform
// saves its complete, at once, or, when the sweep finalized it again
// before its worker got the complete, after its requeues.
func TestRunOpenAEVSweptInject(t *testing.T) {
	t.Parallel()
	const refusal = "was finalized by the platform without a result (status ERROR): its pending sweep ends an inject left PENDING past its threshold"
	tests := []struct {
		name   string
		agents []openaevtest.Agent
		args   []string
		// sweptAgain: the platform holds its callbacks, and sweeps the
		// inject again before its worker processes the run's complete.
		sweptAgain bool
		code       int
		want       []string // in stderr
		status     string   // the inject's after the run
	}{
		{name: "refused", agents: []openaevtest.Agent{{ID: "agent-1", ExecutedByUser: "admin"}}, code: cli.ExitUsage,
			want: []string{refusal, "no run's complete is there", "nothing ran or was sent",
				"give --rerun-finished to run it: the platform reopens it and saves its complete, after its requeues should the sweep finalize it again first"},
			status: "ERROR"},
		{name: "refused, no agent (the sweep's agentless TIMEOUT trace)", code: cli.ExitUsage, want: []string{refusal}, status: "ERROR"},
		{name: "--rerun-finished: reopened, its complete saved", agents: []openaevtest.Agent{{ID: "agent-1", ExecutedByUser: "admin"}},
			args: []string{"--rerun-finished"}, code: cli.ExitOK,
			want:   []string{"WARN", "the platform finalized the inject without a result (its pending sweep", "running it as rerun_finished asks"},
			status: "PARTIAL"}, // its EXECUTED beside the agent's TIMEOUT
		{name: "--rerun-finished, no agent", args: []string{"--rerun-finished"}, code: cli.ExitOK,
			status: "PARTIAL"}, // its EXECUTED beside the current line's agentless TIMEOUT
		{name: "--rerun-finished, swept again before its complete: saved after the requeues", args: []string{"--rerun-finished"},
			agents: []openaevtest.Agent{{ID: "agent-1", ExecutedByUser: "admin"}}, sweptAgain: true, code: cli.ExitOK, status: "PARTIAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-swept"
			var opts []openaevtest.Option
			if tt.sweptAgain {
				opts = append(opts, openaevtest.WithHeldIngestion())
			}
			p := noopPlatform(t, id, opts...)
			p.SetInjectAgents(id, tt.agents...)
			p.Dispatch(id)
			received(t, nil, p, id) // the run that never completed it
			sweep := func() {
				t.Helper()
				if got := p.SweepPending(time.Now().Add(p.PendingThreshold() + time.Minute)); !slices.Equal(got, []string{id}) {
					t.Fatalf("swept %v, want %s", got, id)
				}
			}
			sweep()
			env, box := outboxEnv(t)
			before := len(p.Receptions(id))
			r := run(t, registry(), env, append([]string{"run", "noop", "--openaev-message", oneAssetMessage(t, id, openaev.ContractID("noop")),
				"--backend-url", p.URL, "--log-level", "warn"}, tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			checkSays(t, "stderr", r.stderr, tt.want, []string{"merge this run's status", "earlier run", "from both runs"})
			received := len(p.Receptions(id)) - before
			if tt.code == cli.ExitUsage {
				if !strings.Contains(r.stderr, "inject "+id+" "+refusal) {
					t.Errorf("stderr does not name inject %s:\n%s", id, r.stderr)
				}
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
					t.Errorf("stderr has %d lines, want one:\n%s", n+1, r.stderr)
				}
				if received != 0 || len(p.Completions(id)) != 0 {
					t.Errorf("%d receptions and completes %v sent by a refused run", received, p.Completions(id))
				}
				noOutboxFile(t, box)
			} else if received != 1 || p.Reopenings(id) != 1 {
				t.Errorf("%d receptions, %d reopenings: want the run's one, reopening it", received, p.Reopenings(id))
			}
			if tt.sweptAgain {
				sweep() // PENDING again since the reception, its dispatch date unchanged
				requeued := 0
				for p.Queue() > 0 && requeued < 10 {
					p.Ingest()
					requeued++
				}
				if requeued != 6 {
					t.Errorf("the complete settled at the worker's run %d, want the sixth (five requeues)", requeued)
				}
			}
			if got := p.InjectStatus(id); got != tt.status {
				t.Errorf("inject status %s after the run, want %s", got, tt.status)
			}
			if tt.code == cli.ExitOK {
				if cs := p.Completions(id); len(cs) != 1 || !cs[0].Processed() {
					t.Errorf("completes %+v, want the run's, processed", cs)
				}
				if rows := p.StoredFindings(id); len(rows) != 1 {
					t.Errorf("stored findings %v, want noop's summary", rows)
				}
			}
			noneDropped(t, p)
		})
	}
}

// `run --openaev-message --rerun-finished` of an inject whose stored
// findings cannot be read: the run's "complete" repeats the earlier run's
// finding (noop's summary), which the platform would drop it for. A search
// failing for a while (a 500) fails the delivery: the complete is kept
// pending, not sent, exit 1 with the flush hint, and the flush once the
// search works delivers it. A search the platform refuses for good (a
// platform without the route: 404) sends it at once without its findings.
// Either way the platform processes it and the inject finishes.
func TestRunRerunFindingsUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		kept   bool
	}{
		{"search failing (500): kept, then flushed", http.StatusInternalServerError, true},
		{"no search route (404): sent without its findings", http.StatusNotFound, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-unread"
			p := noopPlatform(t, id)
			env, box := outboxEnv(t)
			msg := oneAssetMessage(t, id, openaev.ContractID("noop"))
			// The stand-in processes each callback before its answer.
			args := []string{"run", "noop", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error",
				"--openaev-ingest-window", "0"}
			if r := run(t, registry(), env, args...); r.code != 0 {
				t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
			}
			first := p.StoredFindings(id)
			p.FailFindings(id, tt.status, 1<<30)
			r := run(t, registry(), env, append(args, "--rerun-finished")...)
			if tt.kept {
				checkKept(t, r, box)
				if n := len(p.Completions(id)); n != 1 {
					t.Errorf("%d completes processed after the run, want the first run's only", n)
				}
				p.FailFindings(id, 0, 0)
				f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL, "--log-level", "error")
				if f.code != 0 || !strings.Contains(f.stdout, "1 delivered") {
					t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
				}
			} else if r.code != 0 {
				t.Fatalf("exit %d, want 0: %s", r.code, r.stderr)
			}
			wantOutboxEmpty(t, registry(), env, "at the end")
			noneDropped(t, p)
			if n := len(p.Completions(id)); n != 2 {
				t.Errorf("%d completes processed, want 2", n)
			}
			if st := p.InjectStatus(id); !openaev.Finished(st) {
				t.Errorf("inject %s, want a final status", st)
			}
			if rows := p.StoredFindings(id); len(rows) != len(first) {
				t.Errorf("stored findings %v, want the first run's %v once", rows, first)
			}
		})
	}
}
