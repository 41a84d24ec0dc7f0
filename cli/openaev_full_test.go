package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// `run --profile openaev` whose outbox has no room for the terminal
// callback sends it unstored, as the callback profile does: the platform
// processes the "complete" (one, and each per-target trace once), stderr
// has the WARN saying it was not kept, and nothing is stored. It was never
// sent: the run exited 1 and the platform kept the inject running.
func TestRunOpenAEVOutboxFullSendsUnstored(t *testing.T) {
	t.Parallel()
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, registry())
	const id = "inj-full"
	p.AddInject(id, openaev.ContractID("noop"))
	box := filepath.Join(t.TempDir(), "outbox.db")
	env := map[string]string{"INJECTKIT_OUTBOX": box, "INJECTKIT_TOKEN": platformToken}
	inject := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"`+id+`","targets":[{"value":"127.0.0.1","asset":"a1"}]}`)
	r := run(t, registry(), env, "run", "--inject-file", inject, "--profile", "openaev", "--backend-url", p.URL,
		"--outbox-max-bytes", "10", "--log-level", "warn")
	if r.code != 0 || !strings.Contains(r.stderr, "WARN\toutbox full: sending the signatures without storing them") {
		t.Fatalf("exit %d, want 0 with the WARN; stderr:\n%s", r.code, r.stderr)
	}
	done, ok := p.Terminal(id)
	if !ok || !done.Processed() || done.Body["execution_status"] != "SUCCESS" {
		t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
	}
	if n := len(p.Completions(id)); n != 1 {
		t.Errorf("%d completions, want 1", n)
	}
	traces := 0
	for _, c := range p.Calls(id) {
		if c.Kind == openaevtest.KindTrace {
			traces++
		}
	}
	if traces != 2 { // the run's INFO trace and the one of target a1
		t.Errorf("%d traces, want 2 (the per-target one sent once)", traces)
	}
	if l := run(t, registry(), env, "outbox", "list"); !strings.Contains(l.stdout, "0 pending, 0 dead, 0 B of") {
		t.Errorf("something was stored:\n%s", l.stdout)
	}
}
