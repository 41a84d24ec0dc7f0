package cli_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A run of an inject whose earlier run left its "complete" pending in the
// outbox says so as it starts, naming the stored body and what a flush
// will do with it; a run with nothing pending, another inject's body
// pending, or no outbox says nothing.
func TestRunWarnsOfEarlierRunPending(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		failed bool     // the first run's complete failed after every attempt
		second string   // the inject id of the second run
		extra  []string // the second run's further flags
		warned bool
	}{
		{"complete pending", true, "inj-again", nil, true},
		{"nothing pending", false, "inj-again", nil, false},
		{"another inject's complete pending", true, "inj-other", nil, false},
		{"no outbox", true, "inj-again", []string{"--outbox", "none"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, registry())
			p.AddInject("inj-again", openaev.ContractID("noop"))
			p.AddInject("inj-other", openaev.ContractID("noop"))
			if tt.failed {
				p.FailComplete("inj-again", http.StatusServiceUnavailable, openaev.DefaultAttempts)
			}
			env, box := outboxEnv(t)
			args := func(id, level string) []string {
				return []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
					"--backend-url", p.URL, "--log-level", level}
			}
			var outboxID string
			if tt.failed {
				checkKept(t, run(t, registry(), env, args("inj-again", "error")...), box)
				l := listOutbox(t, env)
				if len(l.Records) != 1 {
					t.Fatalf("outbox after the first run: %+v", l)
				}
				outboxID = strconv.FormatUint(l.Records[0].ID, 10)
			}
			r := run(t, registry(), env, append(args(tt.second, "warn"), tt.extra...)...)
			if r.code != 0 {
				t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
			}
			var lines []string
			for line := range strings.Lines(r.stderr) {
				if strings.Contains(line, "an earlier run of this inject") {
					lines = append(lines, line)
				}
			}
			if !tt.warned {
				if len(lines) != 0 {
					t.Errorf("WARN lines about an earlier run, want none:\n%s", strings.Join(lines, ""))
				}
				return
			}
			if len(lines) != 1 || !strings.Contains(lines[0], `"outbox_id": `+outboxID) ||
				!strings.Contains(lines[0], "outbox flush sends not that complete but its signatures, as data") {
				t.Errorf("want one WARN naming outbox body %s and what a flush does with it; stderr:\n%s", outboxID, r.stderr)
			}
		})
	}
}
