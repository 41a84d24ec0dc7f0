package cli_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// An inject the platform says was made with another injector's contract
// is refused before anything is sent or stored, exit 2 naming the inject
// id and the injector whose contract it is: the platform matches a
// result's outputs by the inject's contract, and would not store the
// findings of the injector run. One whose contract the platform does not
// give (an older platform, an inject without one) runs as before.
func TestRunOpenAEVInjectOfAnotherContractRefused(t *testing.T) {
	scanner := &frameworktest.Executor{Category: framework.Network}
	reg := withFake("scanner", scanner)
	other := "00000000-0000-4000-8000-000000000000"
	p := openaevtest.NewPlatform(t, platformToken)
	registered(t, p, platformToken, reg)
	p.AddInject("of-scanner", openaev.ContractID("scanner"))
	p.AddInject("of-none", other)
	p.AddInject("inj-c", openaev.ContractID("scanner")) // contractMessage's inject
	p.AddInject("without", "")
	p.AddInject("of-noop", openaev.ContractID("noop"))
	injectFile := writeFile(t, "inject.json", `{"injector":"noop","inject_id":"of-scanner","targets":[{"value":"127.0.0.1"}]}`)
	msg := contractMessage(t, openaev.ContractID("noop"))
	flags := func(id string) []string {
		return []string{"run", "noop", "--profile", "openaev", "--inject-id", id, "--target", "127.0.0.1"}
	}
	tests := []struct {
		name, id string
		args     []string
		want     []string // in stderr; none: the inject runs
	}{
		{"another injector's contract", "of-scanner", flags("of-scanner"), []string{
			`invalid inject_id "of-scanner" (--inject-id): inject of-scanner has contract ` + openaev.ContractID("scanner") +
				` on the platform (scanner's), not noop's (` + openaev.ContractID("noop") + `)`,
			"would not store noop's findings; nothing ran or was sent", "hint: the inject is scanner's: run the same command with the injector scanner in place of noop"}},
		{"an inject file's inject", "of-scanner", []string{"run", "--profile", "openaev", "--inject-file", injectFile}, []string{
			`invalid inject_id "of-scanner" (inject file ` + injectFile + `:1:32): inject of-scanner has contract ` + openaev.ContractID("scanner"),
			"hint: the inject is scanner's: run the same command with the injector scanner in place of noop"}},
		{"a contract of no injector of the program", "of-none", flags("of-none"), []string{
			`inject of-none has contract ` + other + ` on the platform (no injector of this program's), not noop's`}},
		{"a platform message whose inject has another contract", "inj-c",
			[]string{"run", "--openaev-message", msg}, []string{
				`invalid openaev_message "` + msg + `" (--openaev-message): the message's contract disagrees with the platform's, the message is stale: ` +
					`inject inj-c has contract ` + openaev.ContractID("scanner") + ` on the platform (scanner's), not noop's`}},
		{"no contract said", "without", flags("without"), nil},
		{"its own contract", "of-noop", flags("of-noop"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box := filepath.Join(t.TempDir(), "outbox.db")
			r := run(t, reg, nil, append(tt.args, "--backend-url", p.URL, "--token", platformToken, "--outbox", box, "--log-level", "error")...)
			if tt.want == nil {
				if r.code != 0 || callKinds(p.Calls(tt.id)) != "reception,trace,complete" {
					t.Errorf("exit %d, calls %s; want 0 and the inject run: %s", r.code, callKinds(p.Calls(tt.id)), r.stderr)
				}
				return
			}
			if r.code != 2 {
				t.Errorf("exit %d, want 2: %s", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not say %q", r.stderr, w)
				}
			}
			if calls := p.Calls(tt.id); len(calls) != 0 {
				t.Errorf("calls %s sent, want none", callKinds(calls))
			}
			if _, err := os.Stat(box); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("outbox %s: %v, want none created", box, err)
			}
		})
	}
	if n := len(scanner.Calls()); n != 0 {
		t.Errorf("scanner ran %d times", n)
	}
}
