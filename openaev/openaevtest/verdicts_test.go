package openaevtest_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// platformWithCVEs returns a platform of version v with a contract
// declaring a cve output (cves) and an ipv4 one, inject "i1" received,
// and a VULNERABILITY expectation for assets a1 and a2 and for group g1
// (none on Version24, which creates none for an injector's inject).
func platformWithCVEs(t *testing.T, v openaevtest.Version) *openaevtest.Platform {
	t.Helper()
	p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(v))
	contract := nmapContract(func(c, _ map[string]any) {
		c["outputs"] = []any{
			map[string]any{"type": "ipv4", "field": "matched_ips", "isMultiple": true},
			map[string]any{"type": "cve", "field": "cves", "isMultiple": true},
		}
	})
	receivedI1(t, p, contract)
	p.SetVulnerabilityExpectations("i1", vulnA1, vulnA2, vulnG1)
	return p
}

var (
	vulnA1 = openaevtest.Expectation{Asset: "a1"}
	vulnA2 = openaevtest.Expectation{Asset: "a2"}
	vulnG1 = openaevtest.Expectation{AssetGroup: "g1"}
)

// TestVulnerabilityVerdicts: rule 18. A processed cve output judges every
// expectation not bound to an agent alike, whichever asset its CVEs name;
// one left out, or a callback whose outputs are not processed, leaves
// them pending, and the expiry fails them.
func TestVulnerabilityVerdicts(t *testing.T) {
	cve := map[string]any{"id": "CVE-2021-44228", "host": []any{"192.0.2.7"}, "asset_id": []any{"a1"}, "severity": "critical"}
	tests := []struct {
		name    string
		status  string
		doc     map[string]any
		expire  bool
		want    string // the result of every expectation; "" pending
		wantSrc string
	}{
		{"empty cves: not vulnerable, every asset", "SUCCESS", map[string]any{"cves": []any{}}, false,
			openaevtest.ResultNotVulnerable, openaevtest.SourceVulnerabilityManager},
		{"empty cves outlives the expiry", "SUCCESS", map[string]any{"cves": []any{}}, true,
			openaevtest.ResultNotVulnerable, openaevtest.SourceVulnerabilityManager},
		{"a CVE of a1: vulnerable, a2 and g1 too", "SUCCESS", map[string]any{"cves": []any{cve}}, false,
			openaevtest.ResultVulnerable, openaevtest.SourceVulnerabilityManager},
		{"cves left out: pending", "SUCCESS", map[string]any{"matched_ips": []any{"192.0.2.7"}}, false, "", ""},
		{"cves left out, expired: failed", "SUCCESS", map[string]any{"matched_ips": []any{"192.0.2.7"}}, true,
			openaevtest.ResultFailed, openaevtest.SourceExpirationManager},
		{"ERROR: outputs processed on the current line", "ERROR", map[string]any{"cves": []any{}}, false,
			openaevtest.ResultNotVulnerable, openaevtest.SourceVulnerabilityManager},
		{"a bad cve: the callback lost, nothing judged", "SUCCESS", map[string]any{"cves": []any{map[string]any{"id": "CVE-2021-44228"}}}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformWithCVEs(t, openaevtest.Current)
			postCallback(t, p, "i1", callback("complete", tt.status, tt.doc))
			if tt.expire {
				p.ExpireExpectations("i1")
			}
			got := p.Verdicts("i1")
			if len(got) != 3 {
				t.Fatalf("verdicts %v, want 3", got)
			}
			for e, v := range got {
				if v.Result != tt.want || v.Source != tt.wantSrc {
					t.Errorf("%+v: %v, want %q by %q", e, v, tt.want, tt.wantSrc)
				}
				wantScore := 0.0
				if tt.want == openaevtest.ResultNotVulnerable {
					wantScore = openaevtest.ExpectedScore
				}
				if v.Score != wantScore {
					t.Errorf("%+v: score %g, want %g", e, v.Score, wantScore)
				}
			}
		})
	}
}

// TestVulnerabilityVerdictOfAnAgent: an injector's execution names no
// agent, so its cve output leaves an agent's expectation alone, and the
// expiry makes that one Not vulnerable (processAgentExpectations); a
// relaunch leaves every expectation pending again.
func TestVulnerabilityVerdictOfAnAgent(t *testing.T) {
	p := platformWithCVEs(t, openaevtest.Current)
	agent := openaevtest.Expectation{Agent: "ag1", Asset: "a1"}
	p.SetVulnerabilityExpectations("i1", vulnA1, agent)
	postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{"cves": []any{}}))
	if v := p.Verdicts("i1")[agent]; !v.Pending() {
		t.Errorf("agent's expectation %v, want pending", v)
	}
	p.ExpireExpectations("i1")
	if v := p.Verdicts("i1")[agent]; v.Result != openaevtest.ResultNotVulnerable || v.Source != openaevtest.SourceExpirationManager {
		t.Errorf("agent's expectation after expiry %v", v)
	}
	p.Launch("i1")
	for e, v := range p.Verdicts("i1") {
		if !v.Pending() {
			t.Errorf("%+v after a relaunch: %v, want pending", e, v)
		}
	}
}

// TestNoVerdictsOn24: 2.4.0 creates no expectation for an external
// injector's inject (Executor.executeExternal), so a processed cve output
// stores its findings and judges nothing; the expiry finds nothing either.
func TestNoVerdictsOn24(t *testing.T) {
	p := platformWithCVEs(t, openaevtest.Version24)
	cve := map[string]any{"id": "CVE-2021-44228", "host": []any{"192.0.2.7"}, "asset_id": []any{"a1"}, "severity": "critical"}
	if c := postCallback(t, p, "i1", callback("complete", "SUCCESS", map[string]any{"cves": []any{cve}})); !c.Processed() {
		t.Fatalf("complete %s: %s", c.Outcome, c.Reason)
	}
	want := []openaevtest.FindingRow{{Type: "cve", Value: "CVE-2021-44228", Field: "cves"}}
	if got := p.StoredFindings("i1"); len(got) != 1 || got[0].Type != want[0].Type || got[0].Value != want[0].Value || got[0].Field != want[0].Field {
		t.Errorf("stored findings %+v, want %+v", got, want)
	}
	p.ExpireExpectations("i1")
	if v := p.Verdicts("i1"); len(v) != 0 {
		t.Errorf("verdicts on 2.4.0: %v, want none (it holds no expectation of an injector's inject)", v)
	}
}
