package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// Rows tied on every sortable field come in a new order each request
// (openaevtest's rule 10): where they straddle a page boundary, paging
// reads one twice and misses another unless it counts them.

// workstations is n endpoints named alike, each with its own host name
// but for those whose index copies says, which take the host name of
// index first (copies of one machine).
func workstations(n int, copies func(i int) bool, first int) []map[string]any {
	var group []map[string]any
	for i := range n {
		host := fmt.Sprintf("host-%04d", i)
		if copies(i) {
			host = fmt.Sprintf("host-%04d", first)
		}
		a := asset("endpoint", fmt.Sprintf("e%04d", i), host, "", nil)
		a["asset_id"], a["asset_name"] = a["endpoint_id"], "workstation"
		group = append(group, a)
	}
	return group
}

// assertEachOnce checks got holds e0000… e{n-1} once each.
func assertEachOnce(t *testing.T, got []openaev.Asset, n int) {
	t.Helper()
	seen := map[string]int{}
	for _, a := range got {
		seen[a.ID]++
	}
	for i := range n {
		if id := fmt.Sprintf("e%04d", i); seen[id] != 1 {
			t.Errorf("endpoint %s paged %d times, want once", id, seen[id])
		}
	}
	if len(got) != n {
		t.Errorf("%d endpoints paged, want %d", len(got), n)
	}
}

// TestGroupAssetsReadsCopiesAcrossPagesOnce: eleven copies of one machine
// sit at rows 999 to 1009, across the first page boundary; the pages
// disagree on their order, so the first pass reads fewer than the 2500
// the platform counts; the pass with 999-row pages has them all on one
// page.
func TestGroupAssetsReadsCopiesAcrossPagesOnce(t *testing.T) {
	e := newEnv(t)
	const n = 2500
	e.platform.SetAssetGroup("big", workstations(n, func(i int) bool { return i >= 999 && i <= 1009 }, 999)...)
	got, err := e.client.GroupAssets(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	assertEachOnce(t, got, n)
	calls := e.platform.CallsOf(openaevtest.KindTargets)
	if len(calls) <= 3 {
		t.Fatalf("%d pages asked for, want the search read again", len(calls))
	}
	var q struct{ Page, Size int }
	if err := json.Unmarshal(calls[3].Raw, &q); err != nil || q.Page != 0 || q.Size != 999 {
		t.Errorf("the fourth page asked for %s, want page 0 of 999", calls[3].Raw)
	}
}

// TestGroupAssetsReportsEndpointsMissed: 2500 copies of one machine, in a
// new order every page: however often read, some are missed, and paging
// says so rather than return part of the group.
func TestGroupAssetsReportsEndpointsMissed(t *testing.T) {
	e := newEnv(t)
	const n = 2500
	e.platform.SetAssetGroup("big", workstations(n, func(int) bool { return true }, 0)...)
	got, err := e.client.GroupAssets(context.Background(), "big")
	var pe *openaev.PagingError
	if !errors.As(err, &pe) {
		t.Fatalf("paged %d endpoints, error %v; want a *PagingError", len(got), err)
	}
	if pe.Total != n || pe.Read >= n || pe.Passes != 3 {
		t.Errorf("%+v, want fewer than %d read in 3 passes", pe, n)
	}
	for _, want := range []string{"endpoint targets: read ", "of the 2500 the platform counts", "asset_name, asset_hostname"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want it to say %q", err, want)
		}
	}
	if calls := e.platform.CallsOf(openaevtest.KindTargets); len(calls) != 9 {
		t.Errorf("%d pages asked for, want 3 passes of 3", len(calls))
	}
}

// TestGroupAssetsSortFieldRefused: a platform that no longer sorts on
// asset_hostname (nor on endpoint_hostname, the current line's refusal)
// refuses the first page, then its 2.4.0 name; paging goes on without it
// (the IP addresses still tell the endpoints apart), says so once, and
// asks no more for it.
func TestGroupAssetsSortFieldRefused(t *testing.T) {
	e := newEnv(t)
	const n = 2500
	group := workstations(n, func(int) bool { return false }, 0)
	for i, a := range group {
		a["endpoint_seen_ip"] = fmt.Sprintf("10.0.%d.%d", i/250, i%250)
	}
	e.platform.SetAssetGroup("big", group...)
	e.platform.DropSort("asset_hostname")
	for range 2 {
		got, err := e.client.GroupAssets(context.Background(), "big")
		if err != nil {
			t.Fatal(err)
		}
		assertEachOnce(t, got, n)
	}
	calls := e.platform.CallsOf(openaevtest.KindTargets)
	if len(calls) != 8 || calls[0].Status != 400 || calls[1].Status != 400 ||
		!strings.Contains(string(calls[1].Raw), "endpoint_hostname") {
		t.Fatalf("%d pages asked for, the first two answered %d and %d; want asset_hostname and endpoint_hostname refused, then 3 and 3",
			len(calls), calls[0].Status, calls[1].Status)
	}
	for _, c := range calls[2:] {
		if c.Status != 200 || strings.Contains(string(c.Raw), "hostname") || !strings.Contains(string(c.Raw), "asset_seen_ip") {
			t.Errorf("page asked for with %s: %d, want sorted without a host name", c.Raw, c.Status)
		}
	}
	warns := e.logs.FilterMessageSnippet("refuses to sort on endpoint_hostname").All()
	if len(warns) != 1 || warns[0].Level.String() != "warn" {
		t.Errorf("%d lines name the field refused, want one WARN: %v", len(warns), e.logs.All())
	}
}

// TestGroupAssetsSortNamesByLine: the current line sorts an endpoint on
// asset_hostname and asset_seen_ip and refuses 2.4.0's names, 2.4.0 the
// reverse (openaevtest's rule 10). A client that read or was given the
// version asks with its line's names from the first page; one that does
// not know it asks with the current line's, and on 2.4.0 goes on with
// the older names once each is refused (an INFO line, no WARN): either
// way a group of workstations named alike pages whole.
func TestGroupAssetsSortNamesByLine(t *testing.T) {
	const n = 2500
	for _, tt := range []struct {
		name    string
		version openaevtest.Version
		opts    []openaev.Option
		refused int
		names   []string
	}{
		{"current", openaevtest.Current, nil, 0, []string{"asset_hostname", "asset_seen_ip"}},
		{"2.4.0 given", openaevtest.Version24, []openaev.Option{openaev.WithPlatformVersion(openaev.PlatformVersion{Raw: "2.4.0"})},
			0, []string{"endpoint_hostname", "endpoint_seen_ip"}},
		{"2.4.0 not known", openaevtest.Version24, nil, 2, []string{"endpoint_hostname", "endpoint_seen_ip"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(tt.version)}, tt.opts...)
			group := workstations(n, func(int) bool { return false }, 0)
			for i, a := range group {
				a["endpoint_seen_ip"] = fmt.Sprintf("10.0.%d.%d", i/250, i%250)
			}
			e.platform.SetAssetGroup("big", group...)
			got, err := e.client.GroupAssets(context.Background(), "big")
			if err != nil {
				t.Fatal(err)
			}
			assertEachOnce(t, got, n)
			calls := e.platform.CallsOf(openaevtest.KindTargets)
			for i, c := range calls {
				if want := i >= tt.refused; (c.Status == 200) != want {
					t.Errorf("page %d asked for with %s: %d", i, c.Raw, c.Status)
				}
			}
			last := string(calls[len(calls)-1].Raw)
			for _, name := range tt.names {
				if !strings.Contains(last, `"`+name+`"`) {
					t.Errorf("last page asked for with %s, want it sorted on %s", last, name)
				}
			}
			if warns := e.logs.FilterLevelExact(zap.WarnLevel).All(); len(warns) != 0 {
				t.Errorf("WARN lines %v, want none", warns)
			}
		})
	}
}

// TestStoredFindingsSortFieldRefused: the findings search on a platform
// that no longer sorts on finding_type pages on the other fields, which
// still order the findings of one field fully.
func TestStoredFindingsSortFieldRefused(t *testing.T) {
	e := newEnv(t)
	e.register(t)
	const id, n = "inj-many", 2500
	ctx := context.Background()
	ports := reportPorts(t, e, id, n)
	e.platform.DropSort("finding_type")
	got, err := e.client.StoredFindings(ctx, id, "ports")
	if err != nil {
		t.Fatal(err)
	}
	eachPortOnce(t, got, ports)
	calls := e.platform.CallsOf(openaevtest.KindFindings)
	if len(calls) != 4 || calls[0].Status != 400 {
		t.Errorf("%d pages asked for, want 1 refused and 3", len(calls))
	}
	if warns := e.logs.FilterMessageSnippet("refuses to sort on finding_type").All(); len(warns) != 1 {
		t.Errorf("%d lines name the field refused, want one", len(warns))
	}
}

// TestInjectOfGroupPagedShortFails: an inject on a group whose endpoints
// paging cannot all read is refused, the platform told why (its ERROR),
// rather than run on part of the group.
func TestInjectOfGroupPagedShortFails(t *testing.T) {
	e := newEnv(t)
	e.platform.SetAssetGroup("big", workstations(2500, func(int) bool { return true }, 0)...)
	body := e.message(t, "inj-short", "noop", map[string]any{"target_selector": "asset-groups"}, nil,
		[]map[string]any{{"asset_group_id": "big", "asset_group_name": "Copies"}})
	err := e.proc.Process(context.Background(), body)
	var me *openaev.MessageError
	if !errors.As(err, &me) || !strings.Contains(me.Reason, "asset group Copies: endpoint targets: read ") ||
		!strings.Contains(me.Reason, "of the 2500 the platform counts") {
		t.Fatalf("err = %v, want the inject refused, saying endpoints were missed", err)
	}
	if st := e.platform.InjectStatus("inj-short"); st != "ERROR" {
		t.Errorf("the platform shows the inject %s, want ERROR", st)
	}
}

// TestGroupAssetsCountedPerAgent: 2.4.0 counts a search's endpoints once
// per primary agent when its page is full (openaevtest's rule 10: its
// count query groups the agents join), so a group of exactly 1000
// endpoints of two agents each reads 2000 on its full page and on the
// empty one after: paging reads it again with 999-row pages, whose short
// last page gives the true count, and returns each endpoint once rather
// than a *PagingError.
func TestGroupAssetsCountedPerAgent(t *testing.T) {
	e := newEnv(t)
	const n = openaev.TargetsPageSize
	var group []map[string]any
	for i := range n {
		a := asset("asset", fmt.Sprintf("e%04d", i), fmt.Sprintf("host-%04d", i), "", nil,
			fmt.Sprintf("agent-%04d", i), fmt.Sprintf("executor-%04d", i))
		a["endpoint_hostname"] = a["asset_hostname"]
		group = append(group, a)
	}
	e.platform.SetAssetGroup("g", group...)
	got, err := e.client.GroupAssets(context.Background(), "g")
	if err != nil {
		t.Fatal(err)
	}
	assertEachOnce(t, got, n)
	var counted []int
	for _, c := range e.platform.CallsOf(openaevtest.KindTargets) {
		var q struct{ Size int }
		if err := json.Unmarshal(c.Raw, &q); err != nil {
			t.Fatal(err)
		}
		counted = append(counted, q.Size)
	}
	if want := []int{n, n, n - 1, n - 1}; fmt.Sprint(counted) != fmt.Sprint(want) {
		t.Errorf("pages of %v rows asked for, want %v (the search read again once)", counted, want)
	}
}
