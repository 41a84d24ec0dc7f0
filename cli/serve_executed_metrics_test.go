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
// observer (injectkit_injects_executed_total, on /metrics over loopback),
// and says at WARN which run failed, naming its inject, injector, status,
// the message's delivery and the run's duration; a run that succeeds gets
// no such line.
func TestIntegrationServeCountsRunsAndWarnsOfFailed(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	for _, id := range []string{"i-ok", "i-failed", "i-partial"} {
		p.AddInject(id, openaev.ContractID("noop"))
	}
	stderr, stop := serveQueue(t, p.URL, queue, "--outbox", "none", "--injectors", "noop")
	servetest.Publish(t, queue, noopMessage(t, "i-ok", nil), noopMessage(t, "i-failed", map[string]any{"outcome": "failed"}),
		noopMessage(t, "i-partial", map[string]any{"outcome": "partial"}))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range []string{"i-ok", "i-failed", "i-partial"} {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("no terminal callback for %s: %v", id, err)
		}
	}
	waitUntil(t, "every message settled", func() bool { return len(jsonLogs(stderr.String(), "terminal callback delivered")) == 3 })

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

	text := scrapeMetrics(t, stderr.String())
	for _, want := range []string{
		`injectkit_injects_executed_total{injector="noop",status="success"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="failed"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="partial"} 1`,
		`injectkit_injects_executed_total{injector="noop",status="timeout"} 0`, // declared at the start
		`injectkit_injects_executed_total{injector="noop",status="error"} 0`,
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
}
