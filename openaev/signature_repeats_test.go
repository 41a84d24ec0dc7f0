package openaev_test

import (
	"context"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// repeatedSince renders, as signatureSet does, the signatures the calls
// of inject id after its first n sent to expectations that held them
// already: the platform stored them no second time (openaevtest, rule 5:
// InjectExpectationLockService's de-duplicated union).
func repeatedSince(p *openaevtest.Platform, id string, n int) []string {
	calls := p.Calls(id)
	var all []openaevtest.Signature
	for _, c := range calls[min(n, len(calls)):] {
		all = append(all, c.SignaturesRepeated...)
	}
	return signatureSet(all)
}

// TestNoSignatureSentTwice: the platform keeps one row per expectation,
// signature type and value, and the releases before its de-duplicated
// union stored a repeat again or failed on it
// (InjectExpectationLockService.applySignaturesForExpectationWithLock;
// a repeat inside the first batch an expectation receives meets the
// table's key twice). So a run sends each signature to an expectation
// once, whatever its targets share: an asset listed twice, an asset in
// two asset groups (the group's own expectations differ, its agent's do
// not), an agent listed twice, one body or split into data callbacks.
// What the platform stores is then what the run meant, on every release.
func TestNoSignatureSentTwice(t *testing.T) {
	shared := asset("asset", "a1", "", "192.0.2.1", nil, "ag1", "ag2", "ag1")
	other := asset("asset", "a2", "", "192.0.2.2", nil)
	tests := []struct {
		name     string
		selector string
		limit    int64
		assets   []map[string]any
		groups   map[string][]map[string]any
	}{
		{"an asset listed twice", "assets", openaev.MaxMaxPayloadSize, []map[string]any{shared, other, shared}, nil},
		{"an asset listed twice, split into data callbacks", "assets", 2048, []map[string]any{shared, other, shared}, nil},
		{"an asset in two groups", "asset-groups", openaev.MaxMaxPayloadSize, nil,
			map[string][]map[string]any{"g1": {shared, other}, "g2": {shared}}},
		{"an asset in two groups, split into data callbacks", "asset-groups", 2048, nil,
			map[string][]map[string]any{"g1": {shared, other}, "g2": {shared, other}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, openaevtest.Current, tt.limit, false)
			var groups []map[string]any
			for id, members := range tt.groups {
				e.platform.SetAssetGroup(id, members...)
				groups = append(groups, map[string]any{"asset_group_id": id})
			}
			content := map[string]any{"target_selector": tt.selector,
				"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
			if err := e.proc.Process(context.Background(), e.message(t, "inj-once", "noop", content, tt.assets, groups)); err != nil {
				t.Fatal(err)
			}
			sent := 0
			for _, c := range e.platform.Calls("inj-once") {
				if c.Kind != openaevtest.KindComplete && c.Kind != openaevtest.KindData {
					continue
				}
				if !c.Processed() {
					t.Fatalf("%s callback %s: %s", c.Kind, c.Outcome, c.Reason)
				}
				sent += len(c.Signatures) + len(c.SignaturesRepeated)
			}
			if sent == 0 {
				t.Fatal("no signature reached an expectation: nothing was checked")
			}
			if r := repeatedSince(e.platform, "inj-once", 0); len(r) != 0 {
				t.Errorf("%d of %d signatures sent to expectations that held them already, e.g. %v", len(r), sent, r[:min(3, len(r))])
			}
		})
	}
}
