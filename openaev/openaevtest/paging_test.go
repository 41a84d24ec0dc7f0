package openaevtest_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// pageIDs pages group g of p with size and sorts (nil: none) and returns
// the asset ids of every page, in order.
func pageIDs(t *testing.T, p *openaevtest.Platform, g string, size int, sorts []map[string]any) []string {
	t.Helper()
	var ids []string
	for page := 0; ; page++ {
		body := map[string]any{"page": page, "size": size, "filterGroup": map[string]any{"mode": "or",
			"filters": []map[string]any{{"key": "assetGroups", "mode": "or", "operator": "contains", "values": []string{g}}}}}
		if sorts != nil {
			body["sorts"] = sorts
		}
		st, r := postJSON(t, p, "/api/endpoints/targets", body)
		if st != 200 {
			t.Fatalf("page %d: %d %v", page, st, r)
		}
		for _, a := range r["content"].([]any) {
			ids = append(ids, a.(map[string]any)["asset_id"].(string))
		}
		if r["last"] == true {
			return ids
		}
	}
}

// TestSearchPagesOrder (rule 10): an unsorted page is in no order, each
// request's its own, so paging may repeat rows and leave others out; a
// page sorted on fields that tell the rows apart is stable; a sort on a
// field that is not sortable, an id's, is a 400.
func TestSearchPagesOrder(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	var want []string
	var group []map[string]any
	for i := range 300 {
		id := fmt.Sprintf("a%03d", i)
		want = append(want, id)
		// Named alike; the host names, reversed, tell them apart.
		group = append(group, map[string]any{"asset_id": id, "asset_name": "ws", "endpoint_hostname": fmt.Sprintf("h%03d", 299-i)})
	}
	p.SetAssetGroup("g", group...)

	if a, b := pageIDs(t, p, "g", 1000, nil), pageIDs(t, p, "g", 1000, nil); slices.Equal(a, b) {
		t.Errorf("two unsorted searches gave one order: %v", a)
	}
	unsorted := pageIDs(t, p, "g", 100, nil)
	if got := slices.Compact(slices.Sorted(slices.Values(unsorted))); len(got) == len(want) {
		t.Errorf("unsorted paging gave every asset once, want the pages to overlap")
	}

	byHost := []map[string]any{{"property": "asset_name"}, {"property": "asset_hostname", "direction": "ASC"}}
	sorted := pageIDs(t, p, "g", 100, byHost)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	if !slices.Equal(sorted, reversed) {
		t.Errorf("sorted paging gave %v, want every asset once, by host name", sorted)
	}
	desc := pageIDs(t, p, "g", 100, []map[string]any{{"property": "asset_hostname", "direction": "desc"}, {"property": ""}})
	if !slices.Equal(desc, want) {
		t.Errorf("descending paging gave %v, want %v", desc, want)
	}

	for _, property := range []string{"asset_id", "endpoint_id", "endpoint_ips"} {
		st, r := postJSON(t, p, "/api/endpoints/targets", map[string]any{"page": 0, "size": 10,
			"sorts": []map[string]any{{"property": property}}})
		if want := "Unknown sort property '" + property + "', please try an other one"; st != 400 || r["message"] != want {
			t.Errorf("sort on %s: %d %v, want 400 %q", property, st, r, want)
		}
	}
}

// TestFindingsSearchSorts (rule 10): the findings search sorts as the
// targets' does, on the finding's sortable fields; finding_id is none.
func TestFindingsSearchSorts(t *testing.T) {
	p := platformWithNmap(t)
	var ports []any
	var want []string
	for i := range 150 {
		ports = append(ports, 100+i)
		want = append(want, fmt.Sprint(100+i))
	}
	if c := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{"ports": ports})); !c.Processed() {
		t.Fatalf("complete: %s %s", c.Outcome, c.Reason)
	}
	search := func(page int, sorts []map[string]any) (int, map[string]any) {
		return postJSON(t, p, "/api/findings/injects/i1/search", map[string]any{"page": page, "size": 100, "sorts": sorts,
			"filterGroup": map[string]any{"mode": "and", "filters": []any{map[string]any{"key": "finding_field",
				"mode": "or", "operator": "eq", "values": []any{"ports"}}}}})
	}
	var got []string
	for page := range 2 {
		st, r := search(page, []map[string]any{{"property": "finding_type"}, {"property": "finding_value"}})
		if st != 200 {
			t.Fatalf("page %d: %d %v", page, st, r)
		}
		for _, f := range r["content"].([]any) {
			got = append(got, f.(map[string]any)["finding_value"].(string))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("sorted pages gave %v, want %v", got, want)
	}
	if st, r := search(0, []map[string]any{{"property": "finding_id"}}); st != 400 ||
		r["message"] != "Unknown sort property 'finding_id', please try an other one" {
		t.Errorf("sort on finding_id: %d %v, want 400", st, r)
	}
}

// TestDropSort (rule 10): a sort field DropSort took away is refused as
// an unknown one; the others still sort.
func TestDropSort(t *testing.T) {
	p := openaevtest.NewPlatform(t, token)
	p.SetAssetGroup("g", map[string]any{"asset_id": "a1", "asset_name": "ws", "endpoint_hostname": "h1"})
	p.DropSort("asset_hostname")
	st, r := postJSON(t, p, "/api/endpoints/targets", map[string]any{"page": 0, "size": 10,
		"sorts": []map[string]any{{"property": "asset_name"}, {"property": "asset_hostname"}}})
	if want := "Unknown sort property 'asset_hostname', please try an other one"; st != 400 || r["message"] != want {
		t.Errorf("sorted on asset_hostname: %d %v, want 400 %q", st, r, want)
	}
	if got := pageIDs(t, p, "g", 10, []map[string]any{{"property": "asset_name"}}); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("sorted on asset_name: %v, want [a1]", got)
	}
}

// TestSearchSortsByLine (rule 10): the current line sorts an endpoint on
// asset_hostname and asset_seen_ip (Asset.java, the endpoint_* fields moved
// up and renamed) and refuses 2.4.0's endpoint_hostname and
// endpoint_seen_ip, and asset_tags (filterable only); 2.4.0 the reverse.
func TestSearchSortsByLine(t *testing.T) {
	for _, tt := range []struct {
		version        openaevtest.Version
		taken, refused []string
	}{
		{openaevtest.Current, []string{"asset_name", "asset_hostname", "asset_seen_ip", "asset_external_reference"},
			[]string{"endpoint_hostname", "endpoint_seen_ip", "asset_tags"}},
		{openaevtest.Version24, []string{"asset_name", "endpoint_hostname", "endpoint_seen_ip", "asset_tags"},
			[]string{"asset_hostname", "asset_seen_ip"}},
	} {
		p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
		p.SetAssetGroup("g", map[string]any{"asset_id": "a1", "asset_name": "ws", "endpoint_hostname": "h1"})
		for _, property := range append(slices.Clone(tt.taken), tt.refused...) {
			st, _ := postJSON(t, p, "/api/endpoints/targets", map[string]any{"page": 0, "size": 10,
				"sorts": []map[string]any{{"property": property}}})
			want := 200
			if slices.Contains(tt.refused, property) {
				want = 400
			}
			if st != want {
				t.Errorf("%s: sorted on %s: %d, want %d", tt.version, property, st, want)
			}
		}
	}
}
