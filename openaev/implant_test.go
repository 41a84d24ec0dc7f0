package openaev_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestImplantAgentsLoseOnlyTheirOwnSignatures: an asset with a primary
// agent and a Caldera implant (agent_parent), which the platform's message
// lists alike, in any order. The platform created expectations for the
// primary agent only, of the types the content lists (DETECTION here), and
// for the agentless asset. What it stores of the run: every expectation it
// created gets its signatures whatever the order (the implant listed
// first included); the only signatures it finds no expectation for are
// the implant's, which the profile cannot tell from a primary agent; and
// none of PREVENTION, which the content does not list, is sent.
func TestImplantAgentsLoseOnlyTheirOwnSignatures(t *testing.T) {
	a1 := asset("asset", "a1", "", "192.0.2.1", nil, "ag1")
	a1["asset_agents"] = append(a1["asset_agents"].([]map[string]any),
		map[string]any{"agent_id": "imp1", "agent_parent": "ag1", "agent_executed_by_user": "root"})
	inventory := []map[string]any{a1, asset("asset", "a2", "", "192.0.2.2", nil)}
	content := map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}
	primary, agentless := openaevtest.Expectation{Agent: "ag1", Asset: "a1"}, openaevtest.Expectation{Asset: "a2"}
	for i := range 6 {
		t.Run(fmt.Sprintf("published %d", i), func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, 1<<20, false)
			e.nmap.open = map[string][]int{"192.0.2.1": {22}, "192.0.2.2": {443}}
			e.message(t, "inj-imp", "nmap", content, inventory, nil) // the inject and its assets
			// Published as the platform orders its sets: seeded by the
			// subtest's name, another order each.
			msg := e.platform.Message(openaevtest.QueuedInject{ID: "inj-imp", Title: "a test inject",
				ContractID: e.client.ContractID("nmap"), Content: content, Assets: inventory})
			if err := e.proc.Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			for _, x := range []openaevtest.Expectation{primary, agentless} {
				got := e.platform.ExpectationSignatures("inj-imp", x)
				if len(got["DETECTION"]) == 0 || len(got["PREVENTION"]) != 0 {
					t.Errorf("%+v holds %v; want DETECTION signatures only", x, got)
				}
			}
			lost := 0
			for _, c := range e.platform.Calls("inj-imp") {
				if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData) && !c.Processed() {
					t.Errorf("%s dropped: %s", c.Kind, c.Reason)
				}
				for _, s := range c.SignaturesUnattached {
					lost++
					if s.Agent != "imp1" || s.ExpectationType != "DETECTION" {
						t.Errorf("signature lost: %+v", s)
					}
				}
			}
			if lost == 0 {
				t.Error("no signature of the implant sent: the test no longer shows what the platform drops")
			}
		})
	}
}
