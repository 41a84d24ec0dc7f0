package cli_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestRunLostCompleteStatusUnreadable is tester t83's finding 2 through
// the CLI: the platform takes the run's "complete" but its answer is lost,
// and the inject's status, which would show it taken, cannot be read (a
// 503 every time). The run does not post the complete again: it keeps it
// in the outbox and exits 1 with the flush hint. The flush, once the
// status reads, finds it taken by its run mark and counts it delivered,
// sending nothing: the platform holds one complete, as the README's Outbox
// section promises.
func TestRunLostCompleteStatusUnreadable(t *testing.T) {
	t.Parallel()
	const id = "inj-d4"
	p := noopPlatform(t, id)
	env, box := outboxEnv(t)
	p.LoseCompleteAnswer(id, http.StatusBadGateway, 1)
	p.FailInjectRead(id, http.StatusServiceUnavailable, 99)
	checkKept(t, run(t, registry(), env, "run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
		"--backend-url", p.URL, "--log-level", "error"), box)
	completes := func() int {
		n := 0
		for _, c := range p.Calls(id) {
			if c.Kind == openaevtest.KindComplete {
				n++
			}
		}
		return n
	}
	if n := completes(); n != 1 {
		t.Errorf("%d completes posted by the run, want 1 (its answer lost, the status unreadable)", n)
	}
	p.FailInjectRead(id, 0, 0) // the status reads again
	f := run(t, registry(), env, "outbox", "flush", "--backend-url", p.URL)
	if f.code != 0 || !strings.Contains(f.stdout, "1 delivered, 0 still pending") {
		t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
	}
	if n := completes(); n != 1 {
		t.Errorf("%d completes after the flush, want 1: the platform shows it took the run's", n)
	}
	if st := p.InjectStatus(id); !openaev.Finished(st) {
		t.Errorf("inject %s, want a final status", st)
	}
	if strings.Contains(f.stderr, "WARN") {
		t.Errorf("flush warned:\n%s", f.stderr)
	}
	wantOutboxEmpty(t, registry(), env, "after the flush")
}

// r13 finding 1: the platform answers the run's first "complete" with a
// 503 (or 429) before processing anything: not taken. The inject's
// status, or its stored findings, cannot be read for a while (a 503 every
// time), but no attempt can be on the platform: the complete is retried
// and processed, the inject finished, exit 0, also with --outbox none,
// which has nowhere to keep it.
func TestRunCompleteNotTakenRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int  // the first complete's answer
		findings bool // the stored findings, not the status, unreadable
	}{
		{"answered 503, status unreadable", http.StatusServiceUnavailable, false},
		{"answered 429, status unreadable", http.StatusTooManyRequests, false},
		{"answered 503, findings unreadable", http.StatusServiceUnavailable, true},
	}
	for _, tt := range tests {
		for _, outbox := range []string{"default", "none"} {
			t.Run(tt.name+", outbox "+outbox, func(t *testing.T) {
				t.Parallel()
				const id = "inj-503"
				p := noopPlatform(t, id)
				env, _ := outboxEnv(t)
				p.FailComplete(id, tt.status, 1)
				if tt.findings {
					p.FailFindings(id, http.StatusServiceUnavailable, 1<<20)
				} else {
					p.FailInjectRead(id, http.StatusServiceUnavailable, 1<<20)
				}
				args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
					"--backend-url", p.URL, "--log-level", "error"}
				if outbox == "none" {
					args = append(args, "--outbox", outbox)
				}
				r := run(t, registry(), env, args...)
				if r.code != 0 {
					t.Fatalf("exit %d, want 0: the complete retried\n%s", r.code, r.stderr)
				}
				if n := len(p.Completions(id)); n != 1 {
					t.Errorf("%d completes processed, want 1", n)
				}
				if st := p.InjectStatus(id); !openaev.Finished(st) {
					t.Errorf("inject %s, want a final status", st)
				}
				if outbox == "default" {
					wantOutboxEmpty(t, registry(), env, "after the run")
				}
			})
		}
	}
}

// t87: a "data" callback the platform took, each attempt's answer lost,
// until the run gave up on it (4 attempts) and perhaps the flush's first
// attempt too: the platform holds it once per attempt that got no answer,
// and once more for the one delivered. The run, giving up, says in its
// one error line that it may already be stored; the flush, delivering it, counts every attempt
// that got no answer, the run's too (kept in its outbox record). An
// attempt answered 503 (not taken) counts none.
func TestDataCallbackUnansweredCountedAcrossFlush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		left       int  // the first data callback's attempts answered badly
		cut        bool // cut after the platform took it; else answered 503
		unanswered int  // the count the WARNs give; 0: no WARN
	}{
		{"four answers lost", 4, true, 4},
		{"five answers lost, one of the flush's", 5, true, 5},
		{"answered 503 four times", 4, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			const id = "n6"
			p.AddInject(id, openaev.ContractID("noop"))
			fault := testkit.LoseAnswer
			if !tt.cut {
				fault = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
					w.WriteHeader(http.StatusServiceUnavailable)
				}
			}
			proxy := testkit.FaultProxy(t, p.URL, tt.left, []byte(`"execution_action":"data"`), fault)
			inject := assetsInjectFile(t, id, 40)
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, "run", "--inject-file", inject, "--profile", "openaev", "--backend-url", proxy.URL,
				"--max-payload-size", "2048", "--log-level", "warn")
			if r.code != 1 {
				t.Fatalf("run: exit %d, want 1 (its data kept)\n%s", r.code, r.stderr)
			}
			f := run(t, registry(), env, "outbox", "flush", "--backend-url", proxy.URL, "--log-level", "warn")
			if f.code != 0 {
				t.Fatalf("flush: exit %d\n%s%s", f.code, f.stdout, f.stderr)
			}
			// The platform took the body once per attempt it took: its
			// assets' signatures that many times the others', each stored
			// once and the rest repeats (openaevtest, rule 5).
			n := map[string]int{}
			for typ, sigs := range p.Signatures(id) {
				for _, sig := range sigs {
					n[typ+" "+sig.Asset]++
				}
			}
			for _, c := range p.Calls(id) {
				for _, sig := range c.SignaturesRepeated {
					n[sig.ExpectationType+" "+sig.Asset]++
				}
			}
			most, least := 0, 0
			for _, c := range n {
				most = max(most, c)
				if least == 0 || c < least {
					least = c
				}
			}
			if want := 1 + tt.unanswered; least == 0 || most != want*least {
				t.Errorf("the platform holds an asset's signatures %d times at most, %d at least; want %d times as many", most, least, want)
			}
			checkGaveUp(t, r.stderr, min(tt.unanswered, 4))
			checkUnansweredWarn(t, "flush", f.stderr, "may have stored its signatures twice", tt.unanswered)
		})
	}
}

// checkGaveUp checks that the stderr of a run giving up on the first data
// callback says once, in the line reporting the failure (log and return,
// never both: r13 finding 4), that the platform may already hold it,
// with the attempts that got no answer, or says nothing of it when
// unanswered is 0.
func checkGaveUp(t *testing.T, stderr string, unanswered int) {
	t.Helper()
	var lines []string
	for line := range strings.Lines(stderr) {
		if strings.Contains(line, "may already have stored its signatures") {
			lines = append(lines, line)
		}
	}
	want := " signature targets) not delivered " + httpx.AfterAttempts(unanswered) + " that got no answer"
	switch {
	case unanswered == 0 && len(lines) != 0:
		t.Errorf("run: lines %q, want none saying the platform may hold the data callback", lines)
	case unanswered > 0 && (len(lines) != 1 || !strings.Contains(lines[0], "delivery failed") ||
		!strings.Contains(lines[0], "data callback index 1 (") || !strings.Contains(lines[0], want)):
		t.Errorf("run: want one line, its delivery failed, saying of index 1 %q; stderr:\n%s", want, stderr)
	}
}

// checkUnansweredWarn checks that stderr holds one WARN with snippet
// counting unanswered attempts of the first data callback, or none when
// unanswered is 0.
func checkUnansweredWarn(t *testing.T, what, stderr, snippet string, unanswered int) {
	t.Helper()
	var lines []string
	for line := range strings.Lines(stderr) {
		if strings.Contains(line, snippet) {
			lines = append(lines, line)
		}
	}
	switch {
	case unanswered == 0 && len(lines) != 0:
		t.Errorf("%s: WARN lines %q, want none", what, lines)
	case unanswered > 0 && (len(lines) != 1 || !strings.Contains(lines[0], fmt.Sprintf(`"unanswered": %d}`, unanswered)) ||
		!strings.Contains(lines[0], `"index": 1,`)):
		t.Errorf("%s: want one WARN %q of index 1 counting %d unanswered; stderr:\n%s", what, snippet, unanswered, stderr)
	}
}
