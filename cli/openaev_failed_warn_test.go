package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A failed or timed-out `run --profile openaev` says in its WARN what
// reported the outcome: the complete callback's execution_status, the
// one the platform got (the openaev profile's signatures never carry an
// outcome, and 2.4.x gets none), never "its signatures".
func TestRunOpenAEVFailureWarnNamesWhatWasSent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version openaevtest.Version
		param   []string
		status  string
		warn    string
	}{
		{"failed, 2.4.0", openaevtest.Version24, []string{"--param", "outcome=failed"}, openaev.StatusError,
			"WARN\tinject failed; its complete callback reports the failure (execution_status ERROR)\t"},
		{"failed, current", openaevtest.Current, []string{"--param", "outcome=failed"}, openaev.StatusError,
			"WARN\tinject failed; its complete callback reports the failure (execution_status ERROR)\t"},
		{"timeout, 2.4.0", openaevtest.Version24, []string{"--param", "delay=1h", "--timeout", "0.01"}, openaev.StatusTimeout,
			"WARN\tinject timed out or was interrupted; its complete callback reports the timeout (execution_status TIMEOUT)\t"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := "inj-failed-warn-" + string(rune('a'+i))
			p := openaevtest.NewPlatform(t, platformToken, openaevtest.WithVersion(tt.version))
			registered(t, p, platformToken, registry())
			p.AddInject(id, openaev.ContractID("noop"))
			env, _ := outboxEnv(t)
			args := append([]string{"run", "noop", "--target", "127.0.0.1", "--inject-id", id, "--profile", "openaev",
				"--backend-url", p.URL, "--log-level", "warn"}, tt.param...)
			r := run(t, registry(), env, args...)
			if r.code != 3 {
				t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
			}
			done, ok := p.Terminal(id)
			if !ok || !done.Processed() || done.Body["execution_status"] != tt.status {
				t.Fatalf("terminal callback: present %v, %s %s %v", ok, done.Outcome, done.Reason, done.Body["execution_status"])
			}
			if !strings.Contains(r.stderr, tt.warn) || strings.Contains(r.stderr, "its signatures report") {
				t.Errorf("stderr\n%s\nwant %q", r.stderr, tt.warn)
			}
		})
	}
}
