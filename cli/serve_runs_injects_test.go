package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// checkDeliveryTagged checks that every JSON log line naming inject id,
// a message delivered once, carries one delivery (channel and
// delivery_tag), and that the lines include one of each message in want.
func checkDeliveryTagged(t *testing.T, stderr, id string, want ...string) {
	t.Helper()
	deliveries := map[string]bool{}
	seen := map[string]bool{}
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["inject_id"] != id {
			continue
		}
		msg, _ := m["msg"].(string)
		seen[msg] = true
		channel, hasChannel := m["channel"]
		tag, hasTag := m["delivery_tag"]
		if !hasChannel || !hasTag {
			t.Errorf("%s: line %q has no channel or no delivery_tag", id, msg)
			continue
		}
		deliveries[fmt.Sprint(channel, "/", tag)] = true
	}
	if len(deliveries) > 1 {
		t.Errorf("%s: deliveries (channel/delivery_tag) %v, want one", id, deliveries)
	}
	for _, msg := range want {
		if !seen[msg] {
			t.Errorf("%s: no line %q", id, msg)
		}
	}
}

// checkInjectLines checks that a successful inject is logged by two INFO
// lines at the default level, "message received" and "delivered", the
// latter saying how it went (the steps' and each callback's lines are
// DEBUG: a daemon runs thousands of injects a second).
func checkInjectLines(t *testing.T, stderr, id string) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(stderr, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["inject_id"] != id {
			continue
		}
		got = append(got, fmt.Sprint(m["level"], " ", m["msg"]))
		if m["msg"] != "delivered" {
			continue
		}
		for _, k := range []string{"injector", "status", "duration", "ran", "targets"} {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: the delivered line %v has no %s", id, m, k)
			}
		}
	}
	if strings.Join(got, ", ") != "info message received, info delivered" {
		t.Errorf("%s: lines %q, want info message received, info delivered", id, got)
	}
}

// contractReads returns how many reads of a contract (GET
// /api/injector_contracts/{id}) calls hold before the first
// registration, then after each registration, in the order the platform
// answered them.
func contractReads(calls []openaevtest.Call) []int {
	reads := []int{0}
	for _, c := range calls {
		switch c.Kind {
		case openaevtest.KindRegistration:
			reads = append(reads, 0)
		case openaevtest.KindInjectorContract:
			reads[len(reads)-1]++
		}
	}
	return reads
}

// checkContractReads checks that serve, registering noop and portscan,
// read both their contracts before its first registration, right after
// it, and after each heartbeat since: the reads after the last
// registration may still be on their way (a heartbeat every 5 s while
// the test reads the calls), so it waits for the first heartbeat's and
// counts those of the last as at most two.
func checkContractReads(t *testing.T, p *openaevtest.Platform) {
	t.Helper()
	waitUntil(t, "the first heartbeat's reads of the contracts", func() bool {
		r := contractReads(p.AllCalls())
		return len(r) >= 3 && r[2] >= 2
	})
	r := contractReads(p.AllCalls())
	for i, n := range r {
		if n != 2 && (i < len(r)-1 || n > 2) {
			t.Errorf("reads of a contract %v (before the first registration, then after each), want 2 each "+
				"(noop's, portscan's; the last at most 2, maybe on their way)", r)
			break
		}
	}
}

func TestIntegrationServeRunsInjects(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.FailComplete("i-409", http.StatusConflict, 2)
	for id, injector := range map[string]string{"i-noop": "noop", "i-scan": "portscan", "i-bad": "", "i-409": "noop"} {
		p.AddInject(id, openaev.ContractID(injector))
	}

	stderr, stop := serveQueue(t, p.URL, queue, "--heartbeat-interval", "5s", "--workers", "2",
		"--injectors", "portscan", "--injectors", "noop") // noop is served only when named

	scan := openaevtest.Message(openaevtest.QueuedInject{ID: "i-scan", ContractID: openaev.ContractID("portscan"),
		Content: map[string]any{"target_selector": "assets",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}}},
		Assets: []map[string]any{{"asset_id": "a1", "asset_name": "web", "asset_ips": []string{"192.0.2.7"},
			"asset_agents": []map[string]any{{"agent_id": "ag1"}}}},
	})
	unknown := openaevtest.Message(openaevtest.QueuedInject{ID: "i-bad", ContractID: "00000000-0000-0000-0000-000000000000"})
	servetest.Publish(t, queue,
		noopMessage(t, "i-noop", map[string]any{"delay": "20ms"}),
		scan,
		[]byte(`{"injection": {"inject_id": `), // not JSON, no readable id
		[]byte(`{"injection": {"inject_title": "no id"}}`),
		unknown,
		noopMessage(t, "i-409", nil),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, id := range []string{"i-noop", "i-scan", "i-bad", "i-409"} {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("no terminal callback for %s: %v; stderr:\n%s", id, err, stderr)
		}
	}
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	}()
	waitUntil(t, "every message settled", func() bool {
		return len(jsonLogs(stderr.String(), "message rejected without requeue")) == 3 &&
			len(jsonLogs(stderr.String(), "delivered")) == 3 // i-bad's INVALID_USAGE: its rejection's line
	})

	// Callbacks in order: reception, the run's trace, one trace per target
	// with an asset (the current line), one terminal callback.
	if got := kinds(p.Calls("i-noop")); strings.Join(got, " ") != "reception:200 trace:200 complete:200" {
		t.Errorf("i-noop calls = %v", got)
	}
	scanCalls := p.Calls("i-scan")
	if got := kinds(scanCalls); strings.Join(got, " ") != "reception:200 trace:200 trace:200 complete:200" {
		t.Fatalf("i-scan calls = %v", got)
	}
	if _, ok := scanCalls[1].Body["execution_context_identifiers"]; ok || !scanCalls[2].Processed() {
		t.Errorf("i-scan traces %v, %v (%s)", scanCalls[1].Body, scanCalls[2].Body, scanCalls[2].Reason)
	}
	checkTargetTrace(t, scanCalls[2].Body, "a1", "portscan on 192.0.2.7: succeeded; scan_results: 1")
	noop, _ := p.Terminal("i-noop")
	out, ok := noop.Structured()
	// Manual targets carry no asset, hence no signature target.
	if noop.Body["execution_status"] != "SUCCESS" || !ok || out["summary"] != "noop: 1 target(s), outcome success" {
		t.Errorf("noop terminal callback = %v", noop.Body)
	}
	sc, _ := p.Terminal("i-scan")
	out, _ = sc.Structured()
	results, _ := out["scan_results"].([]any)
	if len(results) != 1 || results[0].(map[string]any)["asset_id"] != "a1" || fmt.Sprint(out["ports"]) != "[22]" {
		t.Errorf("scan outputs = %v", out)
	}
	sigs := fmt.Sprint(out["expectation_signatures"])
	// portscan is no framework.DirectSender: no target address.
	for _, want := range []string{"asset:a1", "agent:ag1", "start_date", "DETECTION"} {
		if !strings.Contains(sigs, want) {
			t.Errorf("scan signatures lack %q: %s", want, sigs)
		}
	}
	// 409 ("not PENDING yet") is retried until accepted.
	if got := kinds(p.Calls("i-409")); strings.Join(got, " ") != "reception:200 trace:200 complete:409 complete:409 complete:200" {
		t.Errorf("i-409 calls = %v", got)
	}
	// A message naming an inject id still gets its terminal INVALID_USAGE.
	bad, _ := p.Terminal("i-bad")
	if bad.Body["execution_status"] != "INVALID_USAGE" || !strings.Contains(fmt.Sprint(bad.Body["execution_message"]), "unknown contract") {
		t.Errorf("i-bad terminal callback = %v", bad.Body)
	}
	// Every callback was processed, its signatures readable by collectors.
	for _, id := range []string{"i-noop", "i-scan", "i-bad", "i-409"} {
		if c, _ := p.Terminal(id); !c.Processed() {
			t.Errorf("%s terminal callback %s: %s", id, c.Outcome, c.Reason)
		}
	}
	if b := p.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types %v", b)
	}
	// Malformed messages without an id reach nobody and are logged; the
	// platform's version and features are read once, before the first
	// registration, the contracts it holds for the injector id once
	// (to warn of those the registration deletes); each contract
	// registered is read before the first registration and right after
	// it (to refuse one another binary's injector holds, the
	// registrations crossed too), and after each heartbeat (to say one
	// registered since): see checkContractReads.
	settings, held := 0, 0
	for _, c := range p.AllCalls() {
		if c.Kind == openaevtest.KindSettings {
			settings++
			continue
		}
		if c.Kind == openaevtest.KindInjectorContracts {
			held++
			continue
		}
		if c.Kind == openaevtest.KindInjectorContract {
			continue
		}
		if c.Kind != openaevtest.KindRegistration && c.InjectID != "i-noop" && c.InjectID != "i-scan" &&
			c.InjectID != "i-bad" && c.InjectID != "i-409" {
			t.Errorf("unexpected platform call %s %s", c.Kind, c.Path)
		}
	}
	if settings != 2 {
		t.Errorf("%d settings reads, want 2 (the version, the features)", settings)
	}
	if held != 1 {
		t.Errorf("%d reads of the injector's contracts, want 1", held)
	}
	reasons := fmt.Sprint(jsonLogs(stderr.String(), "message rejected without requeue"))
	for _, want := range []string{"injection.inject_id is missing", "malformed message", "unknown contract"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("rejections do not give the reason %q: %s", want, reasons)
		}
	}
	// Every line about a message carries its delivery_tag beside its
	// inject_id: the lines of two copies of one inject in flight can be
	// told apart.
	checkDeliveryTagged(t, stderr.String(), "i-noop", "message received", "delivered")
	checkDeliveryTagged(t, stderr.String(), "i-409", "message received", "request failed, retrying", "delivered")
	checkInjectLines(t, stderr.String(), "i-noop")
	checkDeliveryTagged(t, stderr.String(), "i-bad", "message received", "message rejected without requeue")
	// The first heartbeat comes 5 s (the least allowed) after the first
	// registration.
	waitUntil(t, "a heartbeat", func() bool { return len(p.Registrations()) >= 2 })
	checkContractReads(t, p)
	if n := len(jsonLogs(stderr.String(), "registered")); n != 1 {
		t.Errorf("%d \"registered\" log lines, want one: heartbeats are logged only when they fail", n)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}

	// Metrics, on the address the daemon logged.
	text := scrapeMetrics(t, stderr.String())
	for _, want := range []string{
		`injectkit_injects_received_total{injector="noop"} 2`,
		`injectkit_injects_received_total{injector="portscan"} 1`,
		`injectkit_injects_received_total{injector="unknown"} 3`,
		`injectkit_injects_completed_total{injector="noop"} 2`,
		`injectkit_injects_failed_total{injector="unknown"} 3`,
		`injectkit_injects_failed_total{injector="portscan"} 0`, // declared at the start
		`injectkit_delivery_attempts_total{status="error"} 0`,
		`injectkit_outbox_bodies{state="pending"} 0`,
		`injectkit_outbox_max_bytes 1.073741824e+09`,
		`injectkit_delivery_attempts_total{status="409"} 2`,
		`injectkit_execution_duration_seconds_count{injector="noop"} 2`,
		`injectkit_delivery_duration_seconds_count{injector="portscan"} 1`,
		`injectkit_messages_total{outcome="acked"} 3`,
		`injectkit_messages_total{outcome="rejected"} 3`,
		"go_goroutines",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d after cancellation, want 0", code)
	}
	if strings.Contains(stderr.String(), serveToken) {
		t.Error("token leaked to the logs")
	}
	// --log-format json: every line of stderr is a JSON log line, from
	// the start to the stop.
	for line := range strings.SplitSeq(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("a stderr line is not JSON: %s", line)
		}
	}
}
