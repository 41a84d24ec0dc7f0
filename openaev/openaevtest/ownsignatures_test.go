package openaevtest_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// publishedI1 is platformWithNmap's i1 published with DETECTION and
// PREVENTION expectations on asset a1 (agents ag1 and ag2, two IPs and a
// seen IP) and agentless asset a2.
func publishedI1(t *testing.T) *openaevtest.Platform {
	t.Helper()
	p := platformWithNmap(t)
	p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID,
		Content: map[string]any{"expectations": []any{
			map[string]any{"expectation_type": "DETECTION"}, map[string]any{"expectation_type": "PREVENTION"}}},
		Assets: []map[string]any{
			{"asset_id": "a1", "endpoint_ips": []any{"127.0.0.5"}, "endpoint_seen_ip": "::5",
				"asset_agents": []any{map[string]any{"agent_id": "ag1"}, map[string]any{"agent_id": "ag2"}}},
			{"asset_id": "a2", "endpoint_ips": []any{"127.0.0.6"}},
		}})
	return p
}

// held renders the signatures of e's expectations of type et as
// "type=value", in the order stored.
func held(p *openaevtest.Platform, e openaevtest.Expectation, et string) []string {
	var out []string
	for _, s := range p.ExpectationSignatures("i1", e)[et] {
		out = append(out, s.Type+"="+s.Value)
	}
	return out
}

var (
	ag1 = openaevtest.Expectation{Agent: "ag1", Asset: "a1"}
	ag2 = openaevtest.Expectation{Agent: "ag2", Asset: "a1"}
	a1  = openaevtest.Expectation{Asset: "a1"}
	a2  = openaevtest.Expectation{Asset: "a2"}
)

// own is what the platform computes for agent ag of a1 at publish: its
// injector registered with type "t" (register).
func own(ag string) []string {
	return []string{"parent_process_name=t" + "i1-agent-" + ag,
		"source_ipv4_address=127.0.0.5", "source_ipv6_address=::5"}
}

// TestPlatformSignaturesAtPublish: publishing an inject, the platform
// signs each agent's expectations of each type (ExpectationUtils
// .computeSignatures): the parent process name from the injector's type,
// the inject and the agent, and the endpoint's IPs as source addresses.
// The asset's own expectations get none but where the asset has no active
// agent (agentless a2: its own is a leaf, signed with a null agent,
// ExpectationUtils.isAgentlessAssetExpectationNecessary).
func TestPlatformSignaturesAtPublish(t *testing.T) {
	p := publishedI1(t)
	for _, tt := range []struct {
		e    openaevtest.Expectation
		et   string
		want []string
	}{
		{ag1, "DETECTION", own("ag1")},
		{ag1, "PREVENTION", own("ag1")},
		{ag2, "DETECTION", own("ag2")},
		{a1, "DETECTION", nil},
		{a2, "DETECTION", []string{"parent_process_name=ti1-agent-null", "source_ipv4_address=127.0.0.6"}},
	} {
		if got := held(p, tt.e, tt.et); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v %s: %v, want %v", tt.e, tt.et, got, tt.want)
		}
	}
}

// TestInjectorSignaturesPerExpectation: an injector's signatures clear
// an expectation's signatures the first time that expectation receives
// some, and only that expectation's (InjectExpectationLockService); later
// ones append; an envelope with no signature touches nothing.
func TestInjectorSignaturesPerExpectation(t *testing.T) {
	target := func(st map[string]any, et string, values ...string) map[string]any {
		var vs []any
		for _, v := range values {
			vs = append(vs, map[string]any{"signature_type": "target_ipv4_address", "signature_value": v})
		}
		return map[string]any{"signature_target": st, "signature_values": []any{
			map[string]any{"expectation_type": et, "values": vs}}}
	}
	envelope := func(targets ...any) map[string]any { return map[string]any{"targets": append([]any{}, targets...)} }
	agent1 := map[string]any{"agent_id": "ag1", "asset_id": "a1"}
	tests := []struct {
		name    string
		batches []map[string]any
		want    map[openaevtest.Expectation][]string // DETECTION
		prevAg1 []string
	}{
		{"an empty envelope", []map[string]any{envelope()},
			map[openaevtest.Expectation][]string{ag1: own("ag1"), ag2: own("ag2")}, own("ag1")},
		{"a target whose values all lack text", []map[string]any{envelope(target(agent1, "DETECTION", " "))},
			map[openaevtest.Expectation][]string{ag1: own("ag1"), ag2: own("ag2")}, own("ag1")},
		{"one agent's detection", []map[string]any{envelope(target(agent1, "DETECTION", "127.0.0.9"))},
			map[openaevtest.Expectation][]string{ag1: {"target_ipv4_address=127.0.0.9"}, ag2: own("ag2")}, own("ag1")},
		{"a second batch appends", []map[string]any{
			envelope(target(agent1, "DETECTION", "127.0.0.9")),
			envelope(target(agent1, "DETECTION", "127.0.0.10")),
		}, map[openaevtest.Expectation][]string{
			ag1: {"target_ipv4_address=127.0.0.9", "target_ipv4_address=127.0.0.10"}, ag2: own("ag2"),
		}, own("ag1")},
		{"an empty batch after one", []map[string]any{
			envelope(target(agent1, "DETECTION", "127.0.0.9")), envelope(),
		}, map[openaevtest.Expectation][]string{ag1: {"target_ipv4_address=127.0.0.9"}, ag2: own("ag2")}, own("ag1")},
		{"the asset's own, then its agent's", []map[string]any{
			envelope(target(map[string]any{"asset_id": "a1"}, "DETECTION", "127.0.0.11")),
			envelope(target(agent1, "PREVENTION", "127.0.0.12")),
		}, map[openaevtest.Expectation][]string{
			a1: {"target_ipv4_address=127.0.0.11"}, ag1: own("ag1"), ag2: own("ag2"),
		}, []string{"target_ipv4_address=127.0.0.12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := publishedI1(t)
			for i, b := range tt.batches {
				c := postCallback(t, p, "i1", callback("data", "EXECUTED", map[string]any{"expectation_signatures": b}))
				if c.Outcome != openaevtest.Processed {
					t.Fatalf("batch %d: %s: %s", i, c.Outcome, c.Reason)
				}
			}
			for e, want := range tt.want {
				if got := held(p, e, "DETECTION"); !reflect.DeepEqual(got, want) {
					t.Errorf("%+v DETECTION: %v\nwant %v", e, got, want)
				}
			}
			if got := held(p, ag1, "PREVENTION"); !reflect.DeepEqual(got, tt.prevAg1) {
				t.Errorf("ag1 PREVENTION: %v\nwant %v", got, tt.prevAg1)
			}
		})
	}
}

// TestPlatformSignaturesAtPublishCurrentSpelling: the current line names
// an asset's addresses asset_ips and asset_seen_ip (Asset.java, the
// endpoint_* columns moved up and renamed), and computes the source
// signatures from the asset whatever its message spells: an inject
// published with the current spelling gets them as with 2.4.0's.
func TestPlatformSignaturesAtPublishCurrentSpelling(t *testing.T) {
	p := platformWithNmap(t)
	p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID,
		Content: map[string]any{"expectations": []any{map[string]any{"expectation_type": "DETECTION"}}},
		Assets: []map[string]any{
			{"asset_id": "a1", "asset_ips": []any{"127.0.0.5"}, "asset_seen_ip": "::5",
				"asset_agents": []any{map[string]any{"agent_id": "ag1"}}},
			{"asset_id": "a2", "asset_ips": []any{"127.0.0.6"}},
		}})
	for _, tt := range []struct {
		e    openaevtest.Expectation
		want []string
	}{
		{ag1, own("ag1")},
		{a2, []string{"parent_process_name=ti1-agent-null", "source_ipv4_address=127.0.0.6"}},
	} {
		if got := held(p, tt.e, "DETECTION"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.e, got, tt.want)
		}
	}
}
