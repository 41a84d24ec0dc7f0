package cli_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A platform message over an asset group whose members the platform fails
// to list after every attempt (a 5xx) is no invalid message: `run` exits
// 1, saying the platform failed, with a hint to run it again; nothing runs
// and the platform is told nothing (no reception, no ERROR: the inject
// stays as it was). A listing refused for good (403) is still the
// inject's: reception, terminal ERROR, exit 2.
func TestRunOpenAEVMessageAssetGroupPlatformFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		code   int
		want   []string // in stderr
		told   string   // the terminal status the platform got, "" for none
	}{
		{http.StatusInternalServerError, cli.ExitDelivery, []string{
			fmt.Sprintf("injectkit: inject inj-g not run: the platform failed to list its targets: asset group Servers: endpoint targets failed after %d attempts: status 500",
				openaev.DefaultAttempts),
			"injectkit: hint: the platform failed to list an asset group's members, so the inject did not run and nothing was sent or stored; run it again once the platform answers",
		}, ""},
		{http.StatusForbidden, cli.ExitUsage, []string{"injectkit: invalid message for inject inj-g: asset group Servers: endpoint targets rejected: status 403"}, "ERROR"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			const id = "inj-g"
			var ran atomic.Bool
			reg := flagging("watched", &ran)
			p := openaevtest.NewPlatform(t, platformToken)
			registered(t, p, platformToken, reg)
			p.AddInject(id, openaev.ContractID("watched"))
			p.SetAssetGroup("g", map[string]any{"asset_id": "a1", "asset_name": "one", "asset_ips": []string{"192.0.2.1"}})
			p.FailTargets(tt.status, openaev.DefaultAttempts)
			before := p.InjectStatus(id)
			msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("watched")+`"},"inject_content":{"target_selector":"asset-groups"}},`+
				`"assetGroups":[{"asset_group_id":"g","asset_group_name":"Servers"}]}`)
			env, _ := outboxEnv(t)
			r := run(t, reg, env, "run", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error")
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, r.stderr)
				}
			}
			if ran.Load() {
				t.Error("the injector ran without its targets")
			}
			c, sent := p.Terminal(id)
			if tt.told == "" {
				if strings.Contains(r.stderr, "invalid message") {
					t.Errorf("a platform failure reported as an invalid message:\n%s", r.stderr)
				}
				if calls := p.Calls(id); len(calls) != 0 || p.InjectStatus(id) != before {
					t.Errorf("the platform was told %v (inject %s, was %s): want nothing", calls, p.InjectStatus(id), before)
				}
				wantOutboxEmpty(t, reg, env, "(nothing ran)")
				return
			}
			if !sent || c.Body["execution_status"] != tt.told {
				t.Errorf("terminal %v, want %s", c.Body, tt.told)
			}
		})
	}
}
