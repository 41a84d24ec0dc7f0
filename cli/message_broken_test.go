package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
)

// A --openaev-message file that is not a message (its last byte cut)
// is bad input: exit 2 naming the file's line and column, before the
// platform is asked anything, whether the inject it names finished
// (--rerun-finished or not) or not: no request, the inject's status as
// it was, not reopened.
func TestRunOpenAEVMessageBrokenAsksNothing(t *testing.T) {
	for _, tt := range []struct {
		name     string
		finished bool
		args     []string
	}{
		{"inject queuing", false, nil},
		{"inject finished", true, nil},
		{"inject finished, --rerun-finished", true, []string{"--rerun-finished"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const id = "inj-cut"
			p := noopPlatform(t, id)
			whole := oneAssetMessage(t, id, openaev.ContractID("noop"))
			if tt.finished {
				env, _ := outboxEnv(t)
				ranOnce(t, func(...string) result {
					return run(t, registry(), env, "run", "noop", "--openaev-message", whole, "--backend-url", p.URL, "--log-level", "warn")
				}, p, id)
			}
			body, err := os.ReadFile(whole)
			if err != nil {
				t.Fatal(err)
			}
			cut := writeFile(t, "cut.json", string(body[:len(body)-1]))
			calls, status := len(p.AllCalls()), p.InjectStatus(id)
			env, box := outboxEnv(t)
			r := run(t, registry(), env, append([]string{"run", "noop", "--openaev-message", cut, "--backend-url", p.URL}, tt.args...)...)
			want := "openaev message " + cut + ":1:" // the line and column of the end
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, want) ||
				!strings.Contains(r.stderr, "invalid message for inject "+id+": malformed message: not valid JSON: unexpected end of JSON input") ||
				strings.Contains(r.stderr, "already finished") {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 naming %s and the malformed message", r.code, r.stderr, want)
			}
			for _, c := range p.AllCalls()[calls:] {
				t.Errorf("the platform got %s %s", c.Method, c.Path)
			}
			if got := p.InjectStatus(id); got != status || p.Reopenings(id) != 0 {
				t.Errorf("inject status %s (was %s), %d reopenings", got, status, p.Reopenings(id))
			}
			noOutboxFile(t, box)
		})
	}
}
