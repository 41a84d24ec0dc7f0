package openaev_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDryRunPacksAsARealRun checks that a dry run prints the terminal
// callback's bodies a real run sends: as many, each of the same size, the
// "complete" carrying a run mark in both. 40 assets with an agent each:
// under 1922 to 1936 bytes, a "complete" without the mark's 15 bytes held
// a target more than a real run's, which sent one "data" callback more (an
// outside tester found it near 2220 bytes with larger targets); at 1937
// and 2220 the counts agree, the sizes did not.
func TestDryRunPacksAsARealRun(t *testing.T) {
	as := make([]map[string]any, 40)
	for i := range as {
		as[i] = asset("asset", fmt.Sprintf("asset-%d", i+1), "", fmt.Sprintf("10.0.0.%d", i+1), nil, fmt.Sprintf("agent-%d", i+1))
	}
	content := map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}
	for _, limit := range []int{1921, 1922, 1936, 1937, 2220} {
		t.Run(fmt.Sprintf("%d bytes", limit), func(t *testing.T) {
			e := newEnv(t)
			e.register(t)
			e.profile = openaev.NewProfile(e.client, testManifests(), e.log, openaev.WithMaxPayloadSize(int64(limit)))
			e.proc = openaev.NewProcessor(newTestRuntime(e.registry, e.profile, e.log), e.profile)
			id := fmt.Sprintf("inj-%d", limit)
			msg := e.message(t, id, "noop", content, as, nil)
			if err := e.proc.Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			var real []int
			for _, c := range e.platform.Calls(id) {
				if c.Kind == openaevtest.KindComplete || c.Kind == openaevtest.KindData {
					real = append(real, len(c.Raw))
				}
			}

			var out bytes.Buffer
			dc, err := openaev.NewClient(openaev.Config{}, openaev.WithDryRun(&out), openaev.WithLogger(e.log))
			if err != nil {
				t.Fatal(err)
			}
			dp := openaev.NewProfile(dc, testManifests(), e.log, openaev.WithMaxPayloadSize(int64(limit)))
			if err := openaev.NewProcessor(newTestRuntime(e.registry, dp, e.log), dp).Process(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			var dry []int
			marked := false
			for line := range bytes.Lines(out.Bytes()) {
				var req struct {
					Body json.RawMessage `json:"body"`
				}
				if err := json.Unmarshal(line, &req); err != nil {
					t.Fatal(err)
				}
				var ex openaev.Execution
				if err := json.Unmarshal(req.Body, &ex); err != nil {
					t.Fatal(err)
				}
				switch ex.Action {
				case openaev.ActionComplete:
					marked = openaevtest.Marked(ex.Message)
					fallthrough
				case openaev.ActionData:
					dry = append(dry, len(req.Body))
				}
			}
			if !slices.Equal(dry, real) {
				t.Errorf("terminal bodies: dry run %v bytes, real run %v", dry, real)
			}
			if !marked {
				t.Error("the dry run's complete carries no run mark")
			}
		})
	}
}
