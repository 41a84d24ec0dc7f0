package openaevtest_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// manyAssetsInject publishes inject i1 of p with n assets, each with one
// active agent (its id a UUID, as the platform's) and one IP (the platform signs each agent's DETECTION
// expectation at publish: a class per asset), and returns a data
// callback signing every agent, encoded.
func manyAssetsInject(tb testing.TB, p *openaevtest.Platform, n int) []byte {
	tb.Helper()
	assets := make([]map[string]any, 0, n)
	targets := make([]any, 0, n)
	for i := range n {
		id, agent := fmt.Sprintf("a%05d", i), fmt.Sprintf("%08d-1111-4222-8333-444455556666", i)
		assets = append(assets, map[string]any{"asset_id": id, "endpoint_hostname": "h" + id,
			"endpoint_ips": []any{fmt.Sprintf("10.0.%d.%d", i>>8, i&255)},
			"asset_agents": []any{map[string]any{"agent_id": agent, "agent_active": true}}})
		targets = append(targets, map[string]any{"signature_target": map[string]any{"agent": agent, "asset": id},
			"signature_values": []any{map[string]any{"expectation_type": "DETECTION", "values": []any{
				map[string]any{"signature_type": "target_hostname_address", "signature_value": "h" + id},
				map[string]any{"signature_type": "start_date", "signature_value": "2026-01-01T00:00:00Z"}}}}})
	}
	p.Message(openaevtest.QueuedInject{ID: "i1", ContractID: nmapContractID, Assets: assets,
		Content: map[string]any{"target_selector": "assets",
			"expectations": []any{map[string]any{"expectation_type": "DETECTION", "expectation_name": "Detection"}}}})
	b, err := json.Marshal(callback("data", "EXECUTED", map[string]any{"expectation_signatures": map[string]any{"targets": targets}}))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// TestSignaturesOfManyAssetsClearedInOnePass: the first injector
// signatures of an inject of many assets, each an expectation the
// platform signed at publish, replace those rows in one pass over the
// stored ones, not one pass per asset. A pass per asset made a data
// callback of 8 184 of 20 000 assets take over 30 s, its answer lost, the
// run sending it again four times: 98 208 signatures stored twice, the
// run failing. Counted in allocations (one per stored row looked at in a
// pass, about 2n² before), not time.
func TestSignaturesOfManyAssetsClearedInOnePass(t *testing.T) {
	const n = 2000
	p := platformWithNmap(t, openaevtest.WithVariant(openaevtest.Current, true))
	body := manyAssetsInject(t, p, n)
	if got := len(p.Signatures("i1")["DETECTION"]); got != 2*n {
		t.Fatalf("%d signatures at publish, want %d (a parent_process_name and an IP per agent)", got, 2*n)
	}
	// The first post only clears (testing.AllocsPerRun measures a second
	// run, which clears nothing): its allocations are counted here.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	postCallbackBytes(t, p, "i1", body)
	runtime.ReadMemStats(&after)
	allocs, limit := after.Mallocs-before.Mallocs, uint64(400*n)
	if allocs > limit {
		t.Errorf("%d allocations to store the signatures of %d assets, want under %d (linear)", allocs, n, limit)
	}
	t.Logf("%d allocations to store the signatures of %d assets", allocs, n)
	sigs := p.Signatures("i1")["DETECTION"]
	if len(sigs) != 2*n {
		t.Fatalf("%d signatures stored, want %d: the publish's replaced by the callback's", len(sigs), 2*n)
	}
	for _, s := range sigs {
		if s.Type != "target_hostname_address" && s.Type != "start_date" {
			t.Fatalf("signature %+v of the publish left", s)
		}
	}
}

// BenchmarkSignaturesOfManyAssets: the data callback of
// TestSignaturesOfManyAssetsClearedInOnePass, on a platform that
// processes it before answering (its legacy ingestion).
func BenchmarkSignaturesOfManyAssets(b *testing.B) {
	for _, n := range []int{2000, 8000} {
		b.Run(fmt.Sprintf("assets=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				p := platformWithNmap(b, openaevtest.WithVariant(openaevtest.Current, true))
				body := manyAssetsInject(b, p, n)
				b.StartTimer()
				postCallbackBytes(b, p, "i1", body)
			}
		})
	}
}
