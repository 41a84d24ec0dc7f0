package openaev_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
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

// TestIntegrationNmapManualRange runs the real nmap over a manual target
// written as a range, 127.0.0.0/30, as the form's field takes it (the
// platform's own nmap injector hands it to nmap as written), a listener
// on 127.0.0.2 alone: nmap scans each of the four addresses, the open
// port's findings row names the address scanned (host, target) and no
// asset, and the platform holds what it holds for the four addresses
// listed one by one: the same findings rows, the same signatures (none: a
// manual target names no agent, asset or asset group, the only targets
// 2.4.0's SignatureOutputProcessor attaches a signature to).
func TestIntegrationNmapManualRange(t *testing.T) {
	testkit.Integration(t, "nmap")
	port := testkit.Listen(t, "tcp4", "127.0.0.2:0", "").Port
	platform := openaevtest.NewPlatform(t, testToken)
	proc, client := nmapProcessor(t, platform)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	e := &env{client: client, platform: platform}
	held := map[string]openaevtest.Held{}
	for id, targets := range map[string]string{"inj-range": "127.0.0.0/30", "inj-list": "127.0.0.0,127.0.0.1,127.0.0.2,127.0.0.3"} {
		body := e.message(t, id, "nmap", map[string]any{"target_selector": "manual", "targets": targets,
			"scan_type": []string{"connect"}, "ports": strconv.Itoa(port), "timing": "4",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}, nil, nil)
		if err := proc.Process(ctx, body); err != nil {
			t.Fatalf("%s: %v", targets, err)
		}
		h, ok := platform.Held(id)
		if !ok || h.Status != "EXECUTED" {
			t.Fatalf("%s: held %+v, want EXECUTED", targets, h)
		}
		held[id] = h
	}
	calls := platform.Calls("inj-range")
	if got := fmt.Sprint(kinds(calls)); got != "[reception 200 trace 200 complete 200]" {
		t.Fatalf("calls %s", got)
	}
	if msg := fmt.Sprint(calls[1].Body["execution_message"]); !strings.Contains(msg, "4 targets: 127.0.0.0, 127.0.0.1, 127.0.0.2, 127.0.0.3") {
		t.Errorf("trace %q, want the four addresses of the range", msg)
	}
	doc, _ := calls[2].Structured()
	rows, _ := doc["scan_results"].([]any)
	if len(rows) != 1 {
		t.Fatalf("scan_results = %v, want the open port of 127.0.0.2", rows)
	}
	row := rows[0].(map[string]any)
	if row["host"] != "127.0.0.2" || row["target"] != "127.0.0.2" || row["asset_id"] != nil {
		t.Errorf("row %v, want host and target 127.0.0.2, no asset_id", row)
	}
	r := held["inj-range"]
	// The platform renders a portscan row "host:port (service)": nmap names
	// the service of a port its nmap-services lists, as it does 901 of the
	// ephemeral ports the listener's comes from (32811 "retp").
	scan := "127.0.0.2:" + strconv.Itoa(port)
	if svc, _ := row["service"].(string); svc != "" {
		scan += " (" + svc + ")"
	}
	want := []openaevtest.FindingRow{{Type: "portscan", Value: scan, Field: "scan_results"},
		{Type: "port", Value: strconv.Itoa(port), Field: "ports"}}
	if !reflect.DeepEqual(r.Findings, want) {
		t.Errorf("findings stored %+v, want %+v", r.Findings, want)
	}
	if l := held["inj-list"]; !reflect.DeepEqual(r.Findings, l.Findings) || !reflect.DeepEqual(r.Signatures, l.Signatures) || r.Stored != l.Stored {
		t.Errorf("the range: findings %+v, signatures %+v; the four addresses listed: %+v, %+v", r.Findings, r.Signatures, l.Findings, l.Signatures)
	}
	if b := platform.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types %v", b)
	}
}

// nmapProcessor is a processor running the real nmap injector, and its
// client, registered on platform.
func nmapProcessor(t *testing.T, platform *openaevtest.Platform) (*openaev.Processor, *openaev.Client) {
	t.Helper()
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
	if _, err := client.Register(context.Background(), []framework.Manifest{nmap.New().Manifest()}, false); err != nil {
		t.Fatal(err)
	}
	return openaev.NewProcessor(rt, profile), client
}
