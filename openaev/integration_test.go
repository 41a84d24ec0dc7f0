package openaev_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestIntegrationNmapMessage runs platform messages end to end with the
// real nmap injector against a loopback listener. A scan of loopback
// reports the injector's own host, so that no asset may be scanned there:
// an agentless asset named localhost is refused before nmap starts, and
// the listener is scanned as a manual target (the way to scan loopback
// from a platform inject), its open port in the terminal callback. The
// attribution of findings and signatures to assets is checked with the
// fake nmap (processor tests) and nmap's own attribution tests: a test on
// loopback has no asset it may scan.
func TestIntegrationNmapMessage(t *testing.T) {
	testkit.Integration(t, "nmap")
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", "").Port

	platform := openaevtest.NewPlatform(t, testToken)
	proc, client := nmapProcessor(t, platform)
	e := &env{client: client, platform: platform}
	content := func(selector string) map[string]any {
		return map[string]any{"target_selector": selector, "target_property_selector": "automatic", "scan_type": []string{"connect"},
			"ports": strconv.Itoa(port), "timing": "4", "targets": "127.0.0.1",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	body := e.message(t, "inj-lo", "nmap", content("assets"),
		[]map[string]any{{"asset_id": "asset-lo", "endpoint_hostname": "localhost", "endpoint_ips": []string{"127.0.0.1"}, "asset_agents": []any{}}},
		nil)
	var me *openaev.MessageError
	if err := proc.Process(ctx, body); !errors.As(err, &me) {
		t.Fatalf("an asset named localhost: %v, want it refused", err)
	}
	calls := platform.Calls("inj-lo")
	if got := fmt.Sprint(kinds(calls)); got != "[reception 200 complete 200]" {
		t.Fatalf("calls %s", got)
	}
	if done := calls[1].Body; done["execution_status"] != "INVALID_USAGE" ||
		!strings.Contains(fmt.Sprint(done["execution_message"]), "asset asset-lo (hostname localhost is loopback and no usable address: 127.0.0.1 is loopback)") {
		t.Errorf("terminal %v", done)
	}

	body = e.message(t, "inj-int", "nmap", content("manual"), nil, nil)
	if err := proc.Process(ctx, body); err != nil {
		t.Fatal(err)
	}
	calls = platform.Calls("inj-int")
	// The run's trace, the terminal callback (a manual target has no
	// asset: no trace of its own).
	if got := fmt.Sprint(kinds(calls)); got != "[reception 200 trace 200 complete 200]" {
		t.Fatalf("calls %s", got)
	}
	done := calls[2]
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
	if len(rows) != 1 || rows[0].(map[string]any)["target"] != "127.0.0.1" {
		t.Errorf("scan_results = %v", rows)
	}
	if s, _ := doc["action_output"].(string); len(s) == 0 {
		t.Error("no action_output")
	}
}
