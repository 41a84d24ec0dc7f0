package query

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// withTotal returns the fixture page name with its total set to total.
func withTotal(t *testing.T, name string, total int) shodantest.Reply {
	t.Helper()
	var page map[string]any
	if err := json.Unmarshal(shodantest.Fixture(name), &page); err != nil {
		t.Fatal(err)
	}
	page["total"] = total
	b, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return shodantest.Reply{Status: http.StatusOK, Body: string(b)}
}

// TestShiftedPagesKeepEachServiceOnce: results that change between the
// requests of one query (new banners ahead of the old ones, the total
// shrinking) shift a page's banners onto the next: a banner Shodan sends
// twice is kept once, in matches and in max_results' count, paging stays
// bounded by page 1's total, and each CVE is reported once.
func TestShiftedPagesKeepEachBannerOnce(t *testing.T) {
	srv := newStandIn(t)
	srv.Enqueue(withTotal(t, "apache-page-1.json", 250), // 3 pages
		withTotal(t, "apache-page-1.json", 150), // page 1 again: everything shifted by a page
		withTotal(t, "apache-page-2.json", 150))
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), &Params{MaxResults: 1000, Provider: ProviderShodan}, signatures.ExternalConfig{Query: "apache"})
	out := e.Execute(context.Background(), in)
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("%d requests, want 3: ceil(250/100) pages, page 1's total", n)
	}
	rs := results(t, out)
	seen := map[string]bool{}
	for _, m := range rs[0].Matches {
		k := fmt.Sprintf("%s:%d/%s", m.IP, m.Port, m.Transport)
		if seen[k] {
			t.Errorf("service %s twice in matches", k)
		}
		seen[k] = true
	}
	if len(rs[0].Matches) != 200 {
		t.Errorf("%d matches, want 200: page 1's 100 and page 2's fixture's 100", len(rs[0].Matches))
	}
	cves, _ := out.Findings[FieldCVEs].([]CVE)
	ids := map[string]bool{}
	for _, c := range cves {
		if ids[c.ID] {
			t.Errorf("CVE %s reported twice", c.ID)
		}
		ids[c.ID] = true
	}
}
