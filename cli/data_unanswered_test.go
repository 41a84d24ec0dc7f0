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
			targets := make([]string, 40)
			for i := range targets {
				targets[i] = fmt.Sprintf(`{"value":"10.0.0.%d","asset":"asset-%d"}`, i+1, i)
			}
			inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[`+strings.Join(targets, ",")+`]}`)
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
			// The platform holds the body once per attempt it took: its
			// assets' signatures that many times the others'.
			n := map[string]int{}
			for typ, sigs := range p.Signatures(id) {
				for _, sig := range sigs {
					n[typ+" "+sig.Asset]++
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
