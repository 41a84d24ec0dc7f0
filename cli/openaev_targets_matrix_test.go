package cli_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The expectations of an inject are per target: an agent's, an asset's
// own, an asset group's own. `run --openaev-message` of an inject over
// assets only, asset groups only, both, or neither is asserted on what
// the platform stores for each expectation (the signatures attached, as
// SignatureOutputProcessor resolves a signature_target: an agent first,
// else an asset, else a group), not on the callback's 200. The
// selector says which of the message's targets run (upstream
// injector_common's Targets): assets, or the groups' members as the
// platform pages them; no target at all is refused with INVALID_USAGE
// and nothing stored. Hostnames are .invalid names, which noop never
// resolves.
func TestRunOpenAEVSignaturesPerTargetKind(t *testing.T) {
	t.Parallel()
	const asset = `{"asset_id":"a1","asset_hostname":"web01.invalid","asset_agents":[{"agent_id":"ag1"}]}`
	const group = `{"asset_group_id":"g1","asset_group_name":"DMZ"}`
	tests := []struct {
		name     string
		selector string
		assets   string
		groups   string
		code     int
		// stored is, per expectation, whether signatures are attached.
		stored map[openaevtest.Expectation]bool
	}{
		{"assets only", "assets", asset, "", cli.ExitOK, map[openaevtest.Expectation]bool{
			{Agent: "ag1", Asset: "a1"}: true, {Asset: "a1"}: false, {Asset: "m1", AssetGroup: "g1"}: false}},
		{"asset groups only", "asset-groups", "", group, cli.ExitOK, map[openaevtest.Expectation]bool{
			{Asset: "m1", AssetGroup: "g1"}: true, {Agent: "ag-m2", Asset: "m2", AssetGroup: "g1"}: true,
			{Asset: "m2", AssetGroup: "g1"}: false, {AssetGroup: "g1"}: false, {Agent: "ag1", Asset: "a1"}: false}},
		{"both, assets selected", "assets", asset, group, cli.ExitOK, map[openaevtest.Expectation]bool{
			{Agent: "ag1", Asset: "a1"}: true, {Asset: "m1", AssetGroup: "g1"}: false, {AssetGroup: "g1"}: false}},
		{"both, groups selected", "asset-groups", asset, group, cli.ExitOK, map[openaevtest.Expectation]bool{
			{Asset: "m1", AssetGroup: "g1"}: true, {Agent: "ag1", Asset: "a1"}: false}},
		{"none", "assets", "", "", cli.ExitUsage, map[openaevtest.Expectation]bool{
			{Agent: "ag1", Asset: "a1"}: false, {Asset: "m1", AssetGroup: "g1"}: false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const id = "inj-kinds"
			p := noopPlatform(t, id)
			p.SetAssetGroup("g1",
				map[string]any{"asset_id": "m1", "endpoint_hostname": "m1.invalid"},
				map[string]any{"asset_id": "m2", "endpoint_hostname": "m2.invalid", "asset_agents": []any{map[string]any{"agent_id": "ag-m2"}}})
			msg := writeFile(t, "m.json", `{"injection":{"inject_id":"`+id+`","inject_injector_contract":{"injector_contract_id":"`+
				openaev.ContractID("noop")+`"},"inject_content":{"target_selector":"`+tt.selector+
				`","target_property_selector":"hostname","expectations":[{"expectation_type":"DETECTION","expectation_name":"d","expectation_score":100}]}},`+
				`"assets":[`+tt.assets+`],"assetGroups":[`+tt.groups+`]}`)
			env, _ := outboxEnv(t)
			r := run(t, registry(), env, "run", "noop", "--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error")
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			done, ok := p.Terminal(id)
			if !ok || !done.Processed() {
				t.Fatalf("complete %v: %s %s, want one processed", ok, done.Outcome, done.Reason)
			}
			noneDropped(t, p)
			for e, want := range tt.stored {
				sigs := p.ExpectationSignatures(id, e)["DETECTION"]
				if got := len(sigs) > 0; got != want {
					t.Errorf("expectation %+v: signatures stored %v, want %v (%v)", e, got, want, sigs)
				}
				if want {
					types := make([]string, 0, len(sigs))
					for _, s := range sigs {
						types = append(types, s.Type)
					}
					sort.Strings(types)
					// noop sends nothing to its targets (no DirectSender):
					// no target address is a signature of its run.
					if j := strings.Join(types, ","); !strings.Contains(j, "end_date") || !strings.Contains(j, "start_date") ||
						strings.Contains(j, "target_") {
						t.Errorf("expectation %+v: signature types %s, want the run's dates and no target address", e, j)
					}
				}
			}
		})
	}
}
