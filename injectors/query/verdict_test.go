package query

import (
	"cmp"
	"context"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestNoVerdictForAnAssetNotQueried runs `run query --profile openaev`
// against OpenAEV's stand-in (the current line; 2.4.0 creates no
// expectation for an injector's inject), whose cve output judges every
// VULNERABILITY expectation of the inject at once (rule 18). A run whose
// queries were not all answered (the query credits spent after the
// first) must never have the platform store "Not vulnerable" on the
// assets it never queried: with no CVE found, cves is left out, the
// expectations stay pending and the expiry fails them; with a CVE found,
// cves is sent (Vulnerable). A run that queried every asset still gets
// its "Not vulnerable"; a run whose matches were cut at max_results (the
// engine counting more than were fetched) is not complete either: a CVE
// may be on a match not fetched.
func TestNoVerdictForAnAssetNotQueried(t *testing.T) {
	tests := []struct {
		name     string
		version  openaevtest.Version
		credits  int      // the key's query credits (-1: no limit)
		ips      []string // each target's target_ipv4, queried for nginx
		status   string   // the inject's status on the platform
		want     string   // every expectation's result, "" pending
		expired  string   // the same, after the expiry
		wantCVEs bool     // a cves output stored
		query    string   // each target's query ("" nginx)
		max      int      // max_results (0 the default)
	}{
		{"partial, no CVE found: no verdict", openaevtest.Current, 1, []string{"203.0.113.2", "203.0.113.4"}, "EXECUTED",
			"", openaevtest.ResultFailed, false, "", 0},
		{"partial, a CVE found: vulnerable", openaevtest.Current, 1, []string{"203.0.113.1", "203.0.113.4"}, "EXECUTED",
			openaevtest.ResultVulnerable, openaevtest.ResultVulnerable, true, "", 0},
		{"every asset queried, no CVE: not vulnerable", openaevtest.Current, -1, []string{"203.0.113.2", "203.0.113.4"}, "EXECUTED",
			openaevtest.ResultNotVulnerable, openaevtest.ResultNotVulnerable, true, "", 0},
		// The current line processes the outputs of a failed complete too.
		{"none answered: no verdict", openaevtest.Current, 0, []string{"203.0.113.2", "203.0.113.4"}, "ERROR",
			"", openaevtest.ResultFailed, false, "", 0},
		// Example Hosting SAS has 59 banners, the first with no CVE:
		// max_results 1 fetches it alone.
		{"cut at max_results, no CVE fetched: no verdict", openaevtest.Current, -1, []string{"", ""}, "EXECUTED",
			"", openaevtest.ResultFailed, false, `org:"Example Hosting SAS"`, 1},
		{"every match fetched, a CVE: vulnerable", openaevtest.Current, -1, []string{"", ""}, "EXECUTED",
			openaevtest.ResultVulnerable, openaevtest.ResultVulnerable, true, `org:"Example Hosting SAS"`, 100},
		// 2.4.0 creates no expectation for an injector's inject: its
		// CVE is stored as a finding, nothing is judged.
		{"2.4.0, a CVE found: stored, no expectation to judge", openaevtest.Version24, 1, []string{"203.0.113.1", "203.0.113.4"}, "SUCCESS",
			"", "", true, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const injectID, token = "vuln-1", "platform-token"
			srv := newStandIn(t)
			srv.SetQueryCredits(tt.credits)
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
			registerQuery(t, p, token)
			p.AddInject(injectID, openaev.ContractID(Name))
			assets := []openaevtest.Expectation{{Asset: "a1"}, {Asset: "a2"}}
			p.SetVulnerabilityExpectations(injectID, assets...)
			var targets []map[string]any
			query := cmp.Or(tt.query, "nginx")
			for i, ip := range tt.ips {
				tg := map[string]any{"query": query, "asset": assets[i].Asset}
				if ip != "" {
					tg["target_ipv4"] = ip
				}
				targets = append(targets, tg)
			}
			req := map[string]any{"inject_id": injectID, "injector": Name,
				"expectation_types": []string{"VULNERABILITY"}, "targets": targets}
			if tt.max > 0 {
				req["params"] = map[string]any{"max_results": tt.max}
			}
			file := testkit.WriteJSON(t, "inject.json", req)
			env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey, "INJECTKIT_OUTBOX": "none"}
			_, _, errs := runCLI(t, Name, env, "injectkit", "run", Name, "--inject-file", file, "--profile", "openaev", "--openaev-version", p.Version().String(),
				"--backend-url", p.URL, "--token", token, "--log-level", "error")
			if call, ok := p.Terminal(injectID); !ok || call.Outcome != openaevtest.Processed {
				t.Fatalf("no complete processed (%+v):\n%s", call, errs.String())
			}
			if got := p.InjectStatus(injectID); got != tt.status {
				t.Errorf("inject status %s, want %s", got, tt.status)
			}
			if _, stored := p.Findings(injectID)[FieldCVEs]; stored != tt.wantCVEs {
				t.Errorf("cves stored: %v, want %v (findings %v)", stored, tt.wantCVEs, p.Findings(injectID))
			}
			check := func(when, want string) {
				for _, e := range assets {
					if v := p.Verdicts(injectID)[e]; v.Result != want {
						t.Errorf("%s: asset %s: %v, want %q", when, e.Asset, v, want)
					}
				}
			}
			if v := p.Verdicts(injectID); tt.version == openaevtest.Version24 && len(v) != 0 {
				t.Errorf("2.4.0 judged %v, want no expectation at all", v)
			}
			check("after the run", tt.want)
			p.ExpireExpectations(injectID)
			check("after the expiry", tt.expired)
		})
	}
}

// registerQuery registers the query injector's contract on p, as serve
// and run register it.
func registerQuery(t *testing.T, p *openaevtest.Platform, token string) {
	t.Helper()
	v, err := openaev.ParseVersion(p.Version().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token, InjectorID: uuid.NewString()},
		openaev.WithPlatformVersion(v), openaev.WithLogger(zap.NewNop()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(context.Background(), []framework.Manifest{New().Manifest()}, false); err != nil {
		t.Fatal(err)
	}
}
