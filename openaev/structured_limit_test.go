package openaev_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestLargestPayloadDeliveredWhole: with the largest max payload size,
// signatures whose structured output would exceed the platform's string
// limit (Jackson's 20,000,000 characters) are split so that no body
// carries a longer one: the platform takes every callback and stores
// every signature, the inject completed (on a platform whose broker
// takes such bodies).
func TestLargestPayloadDeliveredWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("sends over 20 MB of signatures")
	}
	const targets = 36_000 // noop's signatures carry no target address: about 600 bytes each
	// A deployment that raised its broker's max_message_size: RabbitMQ
	// drops a larger callback by default (16 MiB).
	// The stand-in reads each 20 MB body before it answers: under the
	// race detector on a loaded machine that can take longer than the
	// default limit of one attempt, which is not what this test checks.
	e := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", limit: openaev.MaxMaxPayloadSize, timeout: 10 * time.Minute,
		platform: []openaevtest.Option{openaevtest.WithMaxMessageSize(openaev.MaxMaxPayloadSize + 1<<20)}}).env
	e.register(t)
	// Long host names make each target's findings and trace longer.
	label := strings.Repeat("h", 60)
	hosts := make([]map[string]any, targets)
	for i := range hosts {
		name := fmt.Sprintf("t%05d.%s.%s.%s.example", i, label, label, label)
		hosts[i] = asset("asset", fmt.Sprintf("a%05d", i), name, "", nil)
	}
	msg := e.message(t, "inj-big", "noop", map[string]any{"target_selector": "assets", "target_property_selector": "hostname",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}, hosts, nil)
	if err := e.proc.Process(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	var structured, bodies int
	seen := map[string]bool{}
	for _, c := range e.platform.Calls("inj-big") {
		if c.Kind != openaevtest.KindComplete && c.Kind != openaevtest.KindData {
			continue
		}
		bodies++
		if c.Status != 200 || !c.Processed() {
			t.Fatalf("%s: %d %s %s", c.Kind, c.Status, c.Outcome, c.Reason)
		}
		s, _ := c.Body["execution_output_structured"].(string)
		structured += len(s)
		for _, sig := range c.Signatures {
			seen[sig.Asset] = true
		}
	}
	if structured <= openaevtest.MaxStringLen || bodies < 2 {
		t.Fatalf("%d bytes of structured output in %d bodies: the test needs more than %d", structured, bodies, openaevtest.MaxStringLen)
	}
	if len(seen) != targets {
		t.Errorf("signatures of %d targets stored, want all %d", len(seen), targets)
	}
	if st := e.platform.InjectStatus("inj-big"); st != "EXECUTED" {
		t.Errorf("inject %s, want EXECUTED", st)
	}
}
