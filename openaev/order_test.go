package openaev_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// outcome is what the platform made of an inject, order aside: its
// status, the signatures attached to each expectation, the findings
// stored (each with its assets) and the per-target traces, each sorted.
type outcome struct {
	status       string
	signatures   []string
	findings     []string
	targetTraces []string
	dropped      []string
	data         int // data callbacks
}

func (o outcome) String() string {
	return fmt.Sprintf("status %s\nsignatures:\n  %s\nfindings:\n  %s\ntarget traces:\n  %s\ndropped: %v\ndata callbacks: %d", o.status,
		strings.Join(o.signatures, "\n  "), strings.Join(o.findings, "\n  "), strings.Join(o.targetTraces, "\n  "), o.dropped, o.data)
}

// outcomeOf reads the platform's outcome of inject id for expectations.
func outcomeOf(e *env, id string, expectations []openaevtest.Expectation) outcome {
	o := outcome{status: e.platform.InjectStatus(id)}
	for _, x := range expectations {
		for typ, sigs := range e.platform.ExpectationSignatures(id, x) {
			for _, s := range sigs {
				o.signatures = append(o.signatures, fmt.Sprintf("%+v %s %s=%s", x, typ, s.Type, s.Value))
			}
		}
	}
	for _, f := range e.platform.StoredFindings(id) {
		o.findings = append(o.findings, fmt.Sprintf("%s %s=%s %v", f.Field, f.Type, f.Value, slices.Sorted(slices.Values(f.Assets))))
	}
	for _, c := range e.platform.Calls(id) {
		if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData || c.Kind == openaevtest.KindTrace) && !c.Processed() {
			o.dropped = append(o.dropped, c.Kind+": "+c.Reason)
		}
		if c.Kind == openaevtest.KindData {
			o.data++
		}
		if ids, ok := c.Body["execution_context_identifiers"].([]any); ok && c.Kind == openaevtest.KindTrace {
			o.targetTraces = append(o.targetTraces, fmt.Sprintf("%v %v %v", ids, c.Body["execution_status"], c.Body["execution_message"]))
		}
	}
	for _, l := range [][]string{o.signatures, o.findings, o.targetTraces} {
		slices.Sort(l)
	}
	return o
}

// TestOutcomeDoesNotDependOnTheMessageOrder checks that what the platform
// makes of an inject (its status, the signatures each agent's, asset's and
// asset group's expectations get, the findings and their assets, the
// per-target traces) is the same whatever the order of the message's
// assets, of each asset's agents and of its asset groups, and of the rows
// of the asset-group search: 2.4.0 publishes them as HashSets of objects
// hashed by identity, so the order, and an asset's "first agent", is
// arbitrary (openaevtest, rule 19). The inventory holds an asset of three
// agents, one of one, an agentless one, one sharing an address with
// another (two endpoints behind one NAT), and an asset in two groups.
func TestOutcomeDoesNotDependOnTheMessageOrder(t *testing.T) {
	inventory := []map[string]any{
		asset("asset", "a1", "", "192.0.2.1", nil, "ag1", "ag2", "ag3"),
		asset("asset", "a2", "", "192.0.2.2", nil, "ag4"),
		asset("asset", "a3", "", "192.0.2.3", nil),
		asset("asset", "a4", "", "192.0.2.1", nil, "ag5", "ag6"), // behind a1's NAT
	}
	open := map[string][]int{"192.0.2.1": {22, 80}, "192.0.2.2": {443}}
	expectations := []openaevtest.Expectation{{Asset: "a1"}, {Asset: "a2"}, {Asset: "a3"}, {Asset: "a4"}}
	for _, ag := range []struct{ agent, asset string }{{"ag1", "a1"}, {"ag2", "a1"}, {"ag3", "a1"}, {"ag4", "a2"}, {"ag5", "a4"}, {"ag6", "a4"}} {
		expectations = append(expectations, openaevtest.Expectation{Agent: ag.agent, Asset: ag.asset})
	}
	expectations = append(expectations, openaevtest.Expectation{AssetGroup: "grp-1"}, openaevtest.Expectation{AssetGroup: "grp-2"})
	tests := []struct {
		name     string
		version  openaevtest.Version
		selector string
		limit    int64 // the payload limit: 2048 splits the signatures into data callbacks
	}{
		{"assets, Current", openaevtest.Current, "assets", openaev.MaxMaxPayloadSize},
		{"assets split into data callbacks, Current", openaevtest.Current, "assets", 2048},
		{"asset groups, Current", openaevtest.Current, "asset-groups", openaev.MaxMaxPayloadSize},
		{"assets, 2.4.0", openaevtest.Version24, "assets", openaev.MaxMaxPayloadSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := func(t *testing.T, published bool) outcome {
				e := newLimitedEnv(t, tt.version, tt.limit, false)
				e.nmap.open = open
				content := map[string]any{"target_selector": tt.selector, "target_property_selector": "seen_ip",
					"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
				assets, groups := inventory, []map[string]any(nil)
				if tt.selector == "asset-groups" {
					e.platform.SetAssetGroup("grp-1", inventory[0], inventory[1])
					e.platform.SetAssetGroup("grp-2", inventory[1], inventory[2], inventory[3])
					assets = nil
					groups = []map[string]any{{"asset_group_id": "grp-1", "asset_group_name": "Servers"},
						{"asset_group_id": "grp-2", "asset_group_name": "Laptops"}}
				}
				msg := e.message(t, "inj-order", "nmap", content, assets, groups)
				if published {
					msg = e.platform.Message(openaevtest.QueuedInject{ID: "inj-order", Title: "a test inject",
						ContractID: e.client.ContractID("nmap"), Content: content, Assets: assets, AssetGroups: groups})
				}
				if err := e.proc.Process(context.Background(), msg); err != nil {
					t.Fatal(err)
				}
				return outcomeOf(e, "inj-order", expectations)
			}
			var want outcome
			t.Run("as given", func(t *testing.T) { want = run(t, false) })
			if len(want.dropped) > 0 || len(want.findings) == 0 || (tt.version == openaevtest.Current && len(want.signatures) == 0) ||
				(want.data > 0) != (tt.limit == 2048) {
				t.Fatalf("the run in the order given is no reference:\n%s", want)
			}
			for i := range 6 {
				t.Run(fmt.Sprintf("published %d", i), func(t *testing.T) {
					if got := run(t, true); got.String() != want.String() {
						t.Errorf("outcome\n%s\nwant, as in the order given,\n%s", got, want)
					}
				})
			}
		})
	}
}
