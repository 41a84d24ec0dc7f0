package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// A terminal callback the platform refuses for the token, with no outbox
// to keep it, loses the inject's result: one failure, so one ERROR line
// (log or return, never both), naming the inject and its delivery,
// carrying the signatures lost, the delivery's duration and why.
func TestIntegrationServeRefusedResultLostLoggedOnce(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-lost", openaev.ContractID("noop"))
	p.FailComplete("i-lost", 401, 1)
	stderr, stop := serveQueue(t, p.URL, queue, "--outbox", "none", "--injectors", "noop")
	servetest.Publish(t, queue, noopMessage(t, "i-lost", nil))
	waitUntil(t, "the message settled", func() bool {
		return strings.Contains(string(scrapeMetrics(t, stderr.String())), `injectkit_messages_total{outcome="acked"} 1`)
	})

	var errs []map[string]any
	for _, line := range strings.Split(stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["level"] == "error" && m["inject_id"] == "i-lost" {
			errs = append(errs, m)
		}
	}
	if len(errs) != 1 {
		t.Fatalf("%d ERROR lines about i-lost, want 1: %v", len(errs), errs)
	}
	l := errs[0]
	for _, k := range []string{"channel", "delivery_tag", "undelivered_signatures", "duration", "error"} {
		if l[k] == nil {
			t.Errorf("the ERROR line lacks %s: %v", k, l)
		}
	}
	// Nested in the line: a shipper parsing it once reads the targets.
	if _, ok := l["undelivered_signatures"].([]any); !ok {
		t.Errorf("undelivered_signatures is %#v, want an array (the targets' signatures)", l["undelivered_signatures"])
	}
	if msg, _ := l["msg"].(string); !strings.Contains(msg, "lost") {
		t.Errorf("the ERROR line says %q, want it to say the result is lost", msg)
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
}
