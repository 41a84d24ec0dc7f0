package query

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContractAsThePlatformReadsIt registers query's contract on the
// current line's stand-in and runs `run query --profile openaev` against
// it. The contract declares the findings outputs alone: no
// expectation_signature output, which the platform's signature processor
// could fill only with DETECTION or PREVENTION groups, types query does
// not declare (the platform's own Shodan injector declares none either);
// and the terminal callback carries no expectation_signatures. Its one
// expectation is named "Not vulnerable", as the platform names its own
// (migration V4_06) and the official injectors name theirs. The run is
// still processed, its CVEs stored and the expectation judged.
func TestContractAsThePlatformReadsIt(t *testing.T) {
	const injectID, token = "contract-1", "platform-token"
	srv := newStandIn(t)
	p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Current))
	registerQuery(t, p, token)
	id := openaev.ContractID(Name)
	outs, ok := p.ContractOutputs(id)
	if !ok {
		t.Fatal("contract not registered")
	}
	if want := []string{"ipv4:" + FieldMatchedIPs, "ipv6:" + FieldMatchedIPv6, "cve:" + FieldCVEs}; !slices.Equal(outs, want) {
		t.Errorf("contract outputs %v, want %v", outs, want)
	}
	ce, _ := p.Expectations(id)
	if !slices.Equal(ce.Predefined, []string{"VULNERABILITY"}) || !slices.Equal(ce.Names, []string{"Not vulnerable"}) {
		t.Errorf("expectations %v named %v, want [VULNERABILITY] named [Not vulnerable]", ce.Predefined, ce.Names)
	}

	p.AddInject(injectID, id)
	asset := openaevtest.Expectation{Asset: "a1"}
	p.SetVulnerabilityExpectations(injectID, asset)
	file := testkit.WriteJSON(t, "inject.json", map[string]any{"inject_id": injectID, "injector": Name,
		"expectation_types": []string{"VULNERABILITY"},
		"targets":           []map[string]any{{"query": "nginx", "target_ipv4": "203.0.113.1", "asset": asset.Asset}}})
	env := map[string]string{"INJECTKIT_SHODAN_BASE_URL": srv.URL, "INJECTKIT_SHODAN_API_KEY": testKey, "INJECTKIT_OUTBOX": "none"}
	_, _, errs := runCLI(t, Name, env, "injectkit", "run", Name, "--inject-file", file, "--profile", "openaev",
		"--openaev-version", p.Version().String(), "--backend-url", p.URL, "--token", token, "--log-level", "error")
	call, ok := p.Terminal(injectID)
	if !ok || call.Outcome != openaevtest.Processed {
		t.Fatalf("no complete processed (%+v):\n%s", call, errs.String())
	}
	raw, _ := call.Body["execution_output_structured"].(string)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("structured output %q: %v", raw, err)
	}
	if sig, ok := doc[openaev.FieldExpectationSignatures]; ok {
		t.Errorf("the complete carries %s %s, an output the contract does not declare", openaev.FieldExpectationSignatures, sig)
	}
	if _, ok := p.Findings(injectID)[FieldCVEs]; !ok {
		t.Errorf("no cves stored: %v", p.Findings(injectID))
	}
	if v := p.Verdicts(injectID)[asset]; v.Result != openaevtest.ResultVulnerable {
		t.Errorf("verdict %+v, want %s", v, openaevtest.ResultVulnerable)
	}
}
