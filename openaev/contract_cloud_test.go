package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestCloudContractExpectations: what the platform makes of cloudscan's
// DETECTION and PREVENTION expectations. Registration takes both (the
// contract content is not validated; their expected security platform
// types, SIEM and XDR, are SECURITY_PLATFORM_TYPE members), and
// AbstractTechnicalBehavior.initializeAndSaveInjectExpectationsFromExecutableInject
// creates technical expectations per asset to execute only (agent, asset,
// asset group), DETECTION and PREVENTION alike: a cloud contract has no
// asset field, so an inject of it gets none of either, and any signature
// naming a target is unattached. PREVENTION is handled exactly as
// DETECTION (the platform's own aws injector offers DETECTION alone, with
// the same result): the contract keeps both, for the callback profile's
// SCP and permission-boundary checks, and its callbacks are processed.
func TestCloudContractExpectations(t *testing.T) {
	e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(openaevtest.Current)})
	m := cloudscan.New().Manifest()
	if !slices.Equal(m.Expectations, []framework.ExpectationType{framework.Detection, framework.Prevention}) {
		t.Fatalf("cloudscan declares %v", m.Expectations)
	}
	if _, err := e.client.Register(context.Background(), []framework.Manifest{m}, false); err != nil {
		t.Fatal(err)
	}
	id := e.client.ContractID(m.Name)
	ce, ok := e.platform.Expectations(id)
	if !ok || !slices.Equal(ce.Predefined, []string{"DETECTION", "PREVENTION"}) {
		t.Fatalf("registered expectations %+v (%v)", ce, ok)
	}
	e.platform.AddInject("inj-cloud", id)
	e.platform.Message(openaevtest.QueuedInject{ID: "inj-cloud", ContractID: id, Content: map[string]any{
		"cloud_provider": "aws", "cloud_account_id": "123456789012", "cloud_region": "eu-west-1",
		"expectations": []any{map[string]any{"expectation_type": "DETECTION"}, map[string]any{"expectation_type": "PREVENTION"}}}})
	target := func(st map[string]any) map[string]any {
		var groups []any
		for _, et := range []string{"DETECTION", "PREVENTION"} {
			groups = append(groups, map[string]any{"expectation_type": et,
				"values": []any{map[string]any{"signature_type": "cloud_account_id", "signature_value": "123456789012"}}})
		}
		return map[string]any{"signature_target": st, "signature_values": groups}
	}
	doc, _ := json.Marshal(map[string]any{"expectation_signatures": map[string]any{"targets": []any{
		target(map[string]any{"asset": "a1"}), target(map[string]any{"asset_group": "g1"}), target(map[string]any{})}}})
	body, _ := json.Marshal(map[string]any{"execution_message": "done", "execution_status": "SUCCESS",
		"execution_action": "complete", "execution_duration": 1, "execution_output_structured": string(doc)})
	req, _ := http.NewRequest(http.MethodPost, e.platform.URL+"/api/injects/execution/callback/inj-cloud", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("complete: %d", resp.StatusCode)
	}
	c, _ := e.platform.Terminal("inj-cloud")
	if !c.Processed() {
		t.Fatalf("complete %s: %s", c.Outcome, c.Reason)
	}
	if len(c.Signatures) != 0 || len(c.SignaturesUnattached) != 4 {
		t.Errorf("stored %v, unattached %d; want none stored, the 4 naming a target unattached (no expectation of either type)",
			c.Signatures, len(c.SignaturesUnattached))
	}
}
