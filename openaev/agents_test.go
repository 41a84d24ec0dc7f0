package openaev_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestEveryAgentOfAnAssetGetsItsSignatures checks that the platform
// attaches a target's signatures to the expectations of every agent of
// its asset, each once, whether the asset comes from the message or from
// an asset group, in one body or split into data callbacks: the platform
// resolves a target naming an agent to that agent's expectations only
// (openaevtest, rule 5).
func TestEveryAgentOfAnAssetGetsItsSignatures(t *testing.T) {
	// a1 has three agents (one listed twice), a2 one, a3 none.
	inventory := []map[string]any{
		asset("asset", "a1", "", "192.0.2.1", nil, "ag1", "ag2", "ag1", "ag3"),
		asset("asset", "a2", "", "192.0.2.2", nil, "ag4"),
		asset("asset", "a3", "web.example.com", "", nil),
	}
	expectations := []openaevtest.Expectation{{Agent: "ag1", Asset: "a1"}, {Agent: "ag2", Asset: "a1"},
		{Agent: "ag3", Asset: "a1"}, {Agent: "ag4", Asset: "a2"}, {Asset: "a3"}}
	tests := []struct {
		name     string
		selector string
		limit    int64
		data     bool // data callbacks carry some of the signatures
	}{
		{"assets", "assets", openaev.MaxMaxPayloadSize, false},
		{"assets split into data callbacks", "assets", 2048, true},
		{"asset groups", "asset-groups", openaev.MaxMaxPayloadSize, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, tt.limit, false)
			content := map[string]any{"target_selector": tt.selector,
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
			assets, groups := inventory, []map[string]any(nil)
			group := ""
			if tt.selector == "asset-groups" {
				group = "grp-1"
				e.platform.SetAssetGroup(group, inventory...)
				assets, groups = nil, []map[string]any{{"asset_group_id": group, "asset_group_name": "Servers"}}
			}
			if err := e.proc.Process(context.Background(), e.message(t, "inj-agents", "noop", content, assets, groups)); err != nil {
				t.Fatal(err)
			}
			data := 0
			for _, c := range e.platform.Calls("inj-agents") {
				if c.Kind == openaevtest.KindData {
					data++
				}
				if (c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData) && !c.Processed() {
					t.Fatalf("%s callback %s: %s", c.Kind, c.Outcome, c.Reason)
				}
			}
			if (data > 0) != tt.data {
				t.Errorf("%d data callbacks", data)
			}
			for _, x := range expectations {
				x.AssetGroup = group
				got := e.platform.ExpectationSignatures("inj-agents", x)
				for _, typ := range []string{"DETECTION", "PREVENTION"} {
					seen := map[string]bool{}
					for _, s := range got[typ] {
						k := s.Type + "=" + s.Value
						if seen[k] {
							t.Errorf("%+v: %s %s stored twice", x, typ, k)
						}
						seen[k] = true
					}
					if !seen["start_date="+testClock.Format("2006-01-02T15:04:05Z")] {
						t.Errorf("%+v: no %s signatures (got %v)", x, typ, fmt.Sprint(got[typ]))
					}
				}
			}
		})
	}
}

// TestEveryAgentOfAnAssetIsValidated checks that a blank agent id, or one
// holding a control or format character, is refused wherever it stands
// among an asset's agents, as the first one is: each goes out as a
// signature target's agent. The inject is rejected (INVALID_USAGE naming
// the agent's position and value) and nothing runs.
func TestEveryAgentOfAnAssetIsValidated(t *testing.T) {
	tests := []struct {
		name   string
		agents []string
		want   string
	}{
		{"blank first agent", []string{"  ", "good-1"}, `invalid targets[1].agent "  ": blank`},
		{"blank second agent", []string{"good-1", "  "}, `invalid targets[1].agents[1] "  ": blank`},
		{"control character in the second agent", []string{"good-1", "bad\actl"}, `invalid targets[1].agents[1] "bad\actl": holds the non-printable character U+0007`},
		{"format character in the third agent", []string{"good-1", "good-2", "\u200bzw"}, `invalid targets[1].agents[2] "\u200bzw": holds the non-printable character U+200B`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			content := map[string]any{"target_selector": "assets"}
			assets := []map[string]any{asset("asset", "a0", "", "192.0.2.1", nil, "ag0"),
				asset("asset", "a1", "", "192.0.2.2", nil, tt.agents...)}
			err := e.proc.Process(context.Background(), e.message(t, "inj-ag", "noop", content, assets, nil))
			wantMessageError("inj-ag")(t, err)
			calls := withoutSettings(e.platform.AllCalls())
			if got := strings.Join(kinds(calls), ", "); got != "reception 200, complete 200" {
				t.Errorf("calls = %q, want the reception and the terminal callback alone", got)
			}
			last := calls[len(calls)-1].Body
			if msg, _ := last["execution_message"].(string); last["execution_status"] != "INVALID_USAGE" || !strings.Contains(msg, tt.want) {
				t.Errorf("terminal = %v %q, want INVALID_USAGE %q", last["execution_status"], msg, tt.want)
			}
		})
	}
}
