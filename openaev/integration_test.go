package openaev_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// TestIntegrationNmapMessage runs a platform message end to end with the
// real nmap injector against a loopback listener: the asset is agentless,
// so its host name (localhost) is scanned, and the open port comes back
// attributed to it, with its signatures under the platform's names.
func TestIntegrationNmapMessage(t *testing.T) {
	testkit.Integration(t, "nmap")
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", "").Port

	platform := openaevtest.NewPlatform(t, testToken)
	log := zaptest.NewLogger(t)
	client, err := openaev.NewClient(openaev.Config{URL: platform.URL, Token: testToken, InjectorID: testInjectorID},
		openaev.WithLogger(log), openaev.WithRetry(4, 10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	reg := framework.NewRegistry()
	reg.Register("nmap", func() framework.Executor { return nmap.New() })
	profile := openaev.NewProfile(client, []framework.Manifest{nmap.New().Manifest()}, log)
	rt := runtime.New(reg, runtime.WithDeliverer(profile), runtime.WithLogger(log),
		runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(signatures.Resolver{Getenv: func(string) string { return "192.0.2.10" }}))))
	proc := openaev.NewProcessor(rt, profile)
	if _, err := client.Register(context.Background(), []framework.Manifest{nmap.New().Manifest()}, false); err != nil {
		t.Fatal(err)
	}

	e := &env{client: client, platform: platform}
	body := e.message(t, "inj-int", "nmap",
		map[string]any{"target_selector": "assets", "target_property_selector": "automatic", "scan_type": []string{"connect"},
			"ports": strconv.Itoa(port), "timing": "4",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}},
		[]map[string]any{{"asset_id": "asset-lo", "endpoint_hostname": "localhost", "endpoint_ips": []string{"127.0.0.1"}, "asset_agents": []any{}}},
		nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := proc.Process(ctx, body); err != nil {
		t.Fatal(err)
	}
	calls := platform.Calls("inj-int")
	// The run's trace, the target's own trace (it has an asset), the
	// terminal callback.
	if got := fmt.Sprint(kinds(calls)); got != "[reception 200 trace 200 trace 200 complete 200]" {
		t.Fatalf("calls %s", got)
	}
	if ids := calls[2].Body["execution_context_identifiers"]; !reflect.DeepEqual(ids, []any{"asset-lo"}) {
		t.Errorf("per-target trace about %v, want [asset-lo]", ids)
	}
	done := calls[3]
	if done.Body["execution_status"] != "SUCCESS" || !done.Processed() {
		t.Fatalf("terminal %s %s: %v", done.Outcome, done.Reason, done.Body)
	}
	if b := platform.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types %v", b)
	}
	doc, _ := done.Structured()
	if !reflect.DeepEqual(doc["ports"], []any{float64(port)}) {
		t.Errorf("ports = %v, want [%d]", doc["ports"], port)
	}
	rows, _ := doc["scan_results"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["asset_id"] != "asset-lo" {
		t.Errorf("scan_results = %v", rows)
	}
	if s, _ := doc["action_output"].(string); len(s) == 0 {
		t.Error("no action_output")
	}
	vals := signatureValues(t, expectationSignatures(t, done))
	for _, typ := range []string{"DETECTION", "PREVENTION"} {
		v := vals["asset-lo"][typ]
		if v["target_hostname_address"] != "localhost" || v["source_ipv4_address"] != "192.0.2.10" {
			t.Errorf("%s values = %v", typ, v)
		}
		for name := range v {
			if !openaev.KnownSignatureType(name) {
				t.Errorf("%s: signature type %q is no collector type", typ, name)
			}
		}
		if _, ok := v["ports_discovered"]; ok {
			t.Errorf("%s: a list reached the signatures: %v", typ, v)
		}
	}
}
