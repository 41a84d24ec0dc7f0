package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// serve counts each run by injector and outcome from the runtime's
// observer (injectkit_injects_executed_total, on /metrics over loopback;
// a run past --timeout as timeout),
// and says at WARN which run failed, naming its inject, injector, status,
// the message's delivery and the run's duration; a run that succeeds gets
// no such line.
func TestIntegrationServeCountsRunsAndWarnsOfFailed(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	ids := []string{"i-ok", "i-failed", "i-partial", "i-timeout"}
	for _, id := range ids {
		p.AddInject(id, openaev.ContractID("noop"))
	}
	stderr, stop := serveQueue(t, p.URL, queue, "--outbox", "none", "--injectors", "noop", "--timeout", "1s")
	servetest.Publish(t, queue, noopMessage(t, "i-ok", nil), noopMessage(t, "i-failed", map[string]any{"outcome": "failed"}),
		noopMessage(t, "i-partial", map[string]any{"outcome": "partial"}), noopMessage(t, "i-timeout", map[string]any{"delay": "1h"}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range ids {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("no terminal callback for %s: %v", id, err)
		}
	}
	waitUntil(t, "every message settled", func() bool { return len(jsonLogs(stderr.String(), "delivered")) == len(ids) })

	failed := jsonLogs(stderr.String(), "inject failed: its injector returned the failed status, which its terminal callback reports")
	if len(failed) != 1 {
		t.Fatalf("%d \"inject failed\" lines, want 1: %v", len(failed), failed)
	}
	if l := failed[0]; l["level"] != "warn" || l["inject_id"] != "i-failed" || l["injector"] != "noop" || l["status"] != "failed" {
		t.Errorf("failed run's line = %v, want WARN naming inject i-failed, injector noop, status failed", l)
	}
	// Like every line about one message (README, Deployment), it names
	// the delivery, and it gives the run's duration.
	if l := failed[0]; l["channel"] == nil || l["delivery_tag"] == nil || l["duration"] == nil {
		t.Errorf("failed run's line = %v, want its channel, delivery_tag and duration", l)
	}

	// Acknowledged (and out of flight) after its callback's line.
	var text []byte
	waitUntil(t, "every message acknowledged", func() bool {
		text = scrapeMetrics(t, stderr.String())
		return strings.Contains(string(text), `injectkit_messages_total{outcome="acked"} 4`) &&
			strings.Contains(string(text), "injectkit_injects_in_flight 0")
	})
	for _, want := range []string{
		`injectkit_injects_executed_total{injector="noop",status="success"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="failed"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="partial"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="timeout"} 1`, // past --timeout
		`injectkit_injects_executed_total{injector="noop",status="error"} 0`,   // declared at the start
		`injectkit_injects_completed_total{injector="noop"} 4`,
		`injectkit_execution_duration_seconds_count{injector="noop"} 4`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
}
