package openaev_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// An inject of one asset group that gives a target and 500 that give
// none runs, and its WARN "asset groups gave no target" names the first
// few and counts the rest, in a field of a few KiB: it named every group
// (10 000: a 640 KB field), a line log pipelines cut or drop.
//
// 500 groups prove what 10 000 did: each named takes 62 bytes, so a
// field naming them all (31 KB) is over the 4096 asserted from the 67th
// group on, and one cut by its byte budget alone (2048) names some 33 and
// says a count other than 490. Each group is paged from the stand-in
// over HTTP: 10 000 of them took some 9 CPU seconds under -race.
func TestBarrenAssetGroupsWarnIsBounded(t *testing.T) {
	const barren = 500
	e := newEnv(t)
	e.platform.SetAssetGroup("g-ok", asset("asset", "a1", "", "192.0.2.1", nil, "ag1"))
	groups := []map[string]any{{"asset_group_id": "g-ok", "asset_group_name": "Servers"}}
	for i := range barren {
		groups = append(groups, map[string]any{"asset_group_id": fmt.Sprintf("g-%05d", i), "asset_group_name": "Empty"})
	}
	body := e.message(t, "inj-g", "noop", map[string]any{"target_selector": "asset-groups"}, nil, groups)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	warns := e.logs.FilterMessage("asset groups gave no target").All()
	if len(warns) != 1 {
		t.Fatalf("%d WARNs that asset groups gave no target, want 1", len(warns))
	}
	fields := warns[0].ContextMap()
	listed, _ := fields["groups"].(string)
	if len(listed) > 4096 {
		t.Errorf("groups field is %d bytes, want at most 4096: %.300s…", len(listed), listed)
	}
	if !strings.HasPrefix(listed, "asset group g-00000 (Empty) has no endpoints") ||
		!strings.HasSuffix(listed, fmt.Sprintf("; and %d more", barren-10)) {
		t.Errorf("groups field %.300s… does not name the first and count the %d more", listed, barren-10)
	}
	if n, _ := fields["count"].(int64); n != barren {
		t.Errorf("count = %v, want %d", fields["count"], barren)
	}
}
