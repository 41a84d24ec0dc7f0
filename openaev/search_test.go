package openaev_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The platform's unsorted pages are in no order (openaevtest's rule 10:
// the stand-in shuffles each page it answers): these tests page more
// than one page's worth and assert every row comes back exactly once.

// reportPorts adds inject id to the platform, receives it and calls it
// back complete with n open ports (1 to n) as its structured output, so
// that the platform stores n findings; it returns the ports.
func reportPorts(t *testing.T, e *env, id string, n int) []int {
	t.Helper()
	e.platform.AddInject(id, openaev.ContractID("nmap"))
	ctx := context.Background()
	if _, err := e.client.Reception(ctx, id); err != nil {
		t.Fatal(err)
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = i + 1
	}
	doc, _ := json.Marshal(map[string]any{"ports": ports})
	if err := e.client.Callback(ctx, id, openaev.Execution{Message: "done", Status: "SUCCESS",
		Action: openaev.ActionComplete, OutputStructured: string(doc)}); err != nil {
		t.Fatal(err)
	}
	return ports
}

// eachPortOnce checks that the findings paged hold every port once.
func eachPortOnce(t *testing.T, got []openaev.StoredFinding, ports []int) {
	t.Helper()
	seen := map[string]int{}
	for _, f := range got {
		seen[f.Value]++
	}
	for _, port := range ports {
		if v := strconv.Itoa(port); seen[v] != 1 {
			t.Errorf("finding %s paged %d times, want once", v, seen[v])
		}
	}
}

// sortedPages checks the search calls of kind: n of them, each asking for
// the platform's largest page, sorted.
func sortedPages(t *testing.T, p *openaevtest.Platform, kind string, n int) {
	t.Helper()
	calls := p.CallsOf(kind)
	if len(calls) != n {
		t.Fatalf("%d %s pages asked for, want %d", len(calls), kind, n)
	}
	for i, c := range calls {
		var q struct {
			Page, Size int
			Sorts      []struct{ Property string }
		}
		if err := json.Unmarshal(c.Raw, &q); err != nil {
			t.Fatal(err)
		}
		if c.Status != 200 || q.Page != i || q.Size != 1000 || len(q.Sorts) == 0 {
			t.Errorf("%s page %d: %d %s, want page %d of 1000, sorted", kind, i, c.Status, c.Raw, i)
		}
	}
}

func TestGroupAssetsPagesEveryEndpointOnce(t *testing.T) {
	e := newEnv(t)
	const n = 2500
	var group []map[string]any
	for i := range n {
		// One name for all, as agents of one image may report: the host
		// names tell them apart.
		a := asset("endpoint", fmt.Sprintf("e%04d", i), fmt.Sprintf("host-%04d", n-i), "", nil)
		a["asset_id"], a["asset_name"] = a["endpoint_id"], "workstation"
		group = append(group, a)
	}
	e.platform.SetAssetGroup("big", group...)
	got, err := e.client.GroupAssets(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	assertEachOnce(t, got, n)
	sortedPages(t, e.platform, openaevtest.KindTargets, 3)
}

func TestStoredFindingsPagesEveryFindingOnce(t *testing.T) {
	e := newEnv(t)
	e.register(t)
	const id, n = "inj-many", 2500
	ctx := context.Background()
	ports := reportPorts(t, e, id, n)
	if stored := e.platform.StoredFindings(id); len(stored) != n {
		t.Fatalf("the platform stores %d findings, want %d", len(stored), n)
	}
	got, err := e.client.StoredFindings(ctx, id, "ports")
	if err != nil {
		t.Fatal(err)
	}
	eachPortOnce(t, got, ports)
	if len(got) != n {
		t.Errorf("%d findings paged, want %d", len(got), n)
	}
	sortedPages(t, e.platform, openaevtest.KindFindings, 3)
}
