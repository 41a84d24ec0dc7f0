package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A 1.x platform (1.18.19) knows neither TIMEOUT nor INVALID_USAGE: a
// "complete" carrying either is never processed (a 500 on its synchronous
// path; the inject stays PENDING for good). The profile sends ERROR in
// their place to a platform older than 2.0.0, or whose version it could
// not read, its message saying what happened; 2.0.0 and later get TIMEOUT
// and INVALID_USAGE. The test asserts what the platform stored: the
// COMPLETE trace's status and the inject's final status.
func TestRunOpenAEVTerminalStatusByVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version string
		timeout bool // a run past its --timeout; else an inject refused
		want    string
	}{
		{"timeout on 1.18.19", "1.18.19", true, openaev.StatusError},
		{"refused on 1.18.19", "1.18.19", false, openaev.StatusError},
		{"timeout on 2.4.0", "2.4.0", true, openaev.StatusTimeout},
		{"refused on 2.4.0", "2.4.0", false, openaev.StatusInvalidUsage},
		{"timeout on the current line", "3.260821.0", true, openaev.StatusTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-status"
			p := noopPlatform(t, id, openaevtest.WithVersionString(tt.version))
			env, _ := outboxEnv(t)
			args := []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1",
				"--param", "delay=1m", "--timeout", "1s"}
			code := cli.ExitFailed
			if !tt.timeout {
				// A message with no target: received, then refused.
				args = []string{"run", "noop", "--openaev-message", writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+
					`","inject_injector_contract":{"injector_contract_id":"`+openaev.ContractID("noop")+
					`"},"inject_content":{"target_selector":"assets"}},"assets":[]}`)}
				code = cli.ExitUsage
			}
			r := run(t, registry(), env, append(args, "--backend-url", p.URL, "--log-level", "error")...)
			if r.code != code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, code, r.stderr)
			}
			done, ok := p.Terminal(id)
			if !ok {
				t.Fatal("no complete taken")
			}
			if got := done.Body["execution_status"]; got != tt.want {
				t.Errorf("complete sent with execution_status %v, want %s", got, tt.want)
			}
			if !done.Processed() {
				t.Errorf("complete %s: %s, want processed", done.Outcome, done.Reason)
			}
			noneDropped(t, p)
			if st := p.InjectStatus(id); st != "ERROR" {
				t.Errorf("inject %s, want ERROR", st)
			}
		})
	}
}
