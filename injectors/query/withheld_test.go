package query

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// TestCountWithoutMatchesIsNoResult: a first page counting matches and
// sending none ({"matches": [], "total": N}, the stand-in's answer to a
// filter the key's plan withholds) is no search that found nothing: the
// configuration fails, its error saying what the engine answered and what
// to check (the key's plan and query credits), its VULNERABILITY group
// carrying that error and no cves (an empty list would mark the asset not
// vulnerable), and the run is partial. The same search without the filter
// still goes, and succeeds.
func TestCountWithoutMatchesIsNoResult(t *testing.T) {
	srv := newStandIn(t)
	srv.Withhold("ip")
	e, _ := newTestExecutor(t, srv, nil)
	in := newInject(t, zap.NewNop(), nil,
		signatures.ExternalConfig{Query: "apache", TargetIPv4: "127.0.0.1"},
		signatures.ExternalConfig{Query: "nginx"})
	out := e.Execute(context.Background(), in)
	rs := results(t, out)
	if rs[0].Status != ResultFailed || rs[1].Status != ResultSuccess {
		t.Fatalf("results %s, %s, want failed, success", rs[0].Status, rs[1].Status)
	}
	for _, want := range []string{"targets[0]: shodan: page 1: ", "counted 1 match and sent none", "plan", "query credits",
		"INJECTKIT_SHODAN_API_KEY"} {
		if !strings.Contains(rs[0].Error, want) {
			t.Errorf("error %q, want %q in it", rs[0].Error, want)
		}
	}
	if strings.Contains(rs[0].Error, testKey) {
		t.Errorf("error %q holds the key", rs[0].Error)
	}
	if rs[0].Total != 1 || len(rs[0].Matches) != 0 {
		t.Errorf("results[0]: total %d, %d matches, want the engine's count, 1, and none", rs[0].Total, len(rs[0].Matches))
	}
	if out.ExecutionStatus() != framework.StatusPartial || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, "sent none") {
		t.Errorf("status %q, error %+v, want partial naming the empty answer", out.ExecutionStatus(), out.ErrorInfo)
	}
	vuln := out.TargetExtras[in.Targets[0]][framework.Vulnerability]
	if _, ok := vuln[ExtraCVEs]; ok || vuln[ExtraQueryError] != rs[0].Error {
		t.Errorf("targets[0] VULNERABILITY extras %v, want its error and no cves", vuln)
	}
	if len(out.Unreached) != 0 {
		t.Errorf("Unreached %v, want none: the query reached the engine", out.Unreached)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d requests, want 2: one page each, no page 2 asked for the count", n)
	}
}
