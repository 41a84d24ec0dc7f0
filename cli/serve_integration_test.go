package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationServePlatform runs the same serve scenario over real
// RabbitMQ against three strict platforms: the current line (queued
// ingestion), 2.4.0, and the current line with legacy (synchronous)
// ingestion. `injectkit serve` registers; a noop inject and a real nmap
// inject (a loopback listener, a manual target) are queued; each
// completes once, processed, with its findings stored and, on the current
// line only, its signatures.
func TestIntegrationServePlatform(t *testing.T) {
	testkit.Integration(t, "nmap") // and RabbitMQ
	tests := []struct {
		name    string
		version openaevtest.Version
		legacy  bool
		final   string // the inject status after a processed success
	}{
		{"current line, queued", openaevtest.Current, false, "EXECUTED"},
		{"2.4.0", openaevtest.Version24, false, "SUCCESS"},
		{"current line, legacy ingestion", openaevtest.Current, true, "EXECUTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken, openaevtest.WithVariant(tt.version, tt.legacy))
			queue := servetest.PlatformQueue(t, p)
			port := testkit.Listen(t, "tcp4", "127.0.0.1:0", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n").Port
			p.AddInject("sp-noop", openaev.ContractID("noop"))
			p.AddInject("sp-nmap", openaev.ContractID("nmap"))

			d := servePlatform(t, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "127.0.0.1:0", "--workers", "2", "--log-format", "json", "--injectors", "noop,nmap")
			defer func() {
				if t.Failed() {
					t.Logf("stderr:\n%s", d.stderr)
				}
			}()
			// The queue is durable: messages published before the daemon
			// consumes wait for it.
			servetest.Publish(t, queue, platformNoop(), platformNmap(port))
			timeout, stopTimer := context.WithTimeout(context.Background(), 120*time.Second)
			defer stopTimer()
			ctx, cancel := d.Context(timeout) // ends early if serve returns
			defer cancel()
			for _, id := range []string{"sp-noop", "sp-nmap"} {
				if _, err := p.WaitTerminal(ctx, id); err != nil {
					t.Fatalf("%s: no terminal callback: %v", id, err)
				}
			}
			if code := d.Stop(t); code != 0 {
				t.Errorf("exit %d after cancellation, want 0", code)
			}

			regs := p.Registrations()
			if len(regs) == 0 {
				t.Fatal("no registration")
			}
			for i, r := range regs {
				if r.Status != 200 {
					t.Errorf("registration %d answered %d: %s", i, r.Status, r.Reason)
				}
			}
			// Each inject's one target, its asset and what its per-target
			// trace says (the service nmap names a random port varies).
			checkServed(t, p, "sp-noop", "asset-web", "noop on web01.example.com: succeeded", tt.version, tt.final)
			checkServed(t, p, "sp-nmap", "", "", tt.version, tt.final)
			// What the platform stores: its findings rows, each value as
			// the output's processor renders it (a portscan row
			// "host:port (service)"), not the fields sent.
			if rows := p.StoredFindings("sp-noop"); len(rows) != 1 || rows[0].Type != "text" || rows[0].Field != "summary" ||
				!strings.HasPrefix(rows[0].Value, "noop: 1 target(s), outcome success") {
				t.Errorf("noop findings stored %+v, want its summary", rows)
			}
			var scans, ports []string
			for _, r := range p.StoredFindings("sp-nmap") {
				switch {
				case r.Type == "portscan" && r.Field == "scan_results":
					scans = append(scans, r.Value)
				case r.Type == "port" && r.Field == "ports":
					ports = append(ports, r.Value)
				}
			}
			wantScan := fmt.Sprintf("127.0.0.1:%d", port)
			if len(scans) != 1 || (scans[0] != wantScan && !strings.HasPrefix(scans[0], wantScan+" (")) ||
				len(ports) != 1 || ports[0] != fmt.Sprint(port) {
				t.Errorf("nmap findings stored: portscan %q, port %q; want %s (its service) and %d",
					scans, ports, wantScan, port)
			}
			if d := p.Dropped(); len(d) != 0 {
				t.Errorf("%d callbacks dropped, first: %s %s", len(d), d[0].InjectID, d[0].Reason)
			}
			if bad := p.CollectorBreaking(); len(bad) != 0 {
				t.Errorf("collector-breaking signature types stored: %v", bad)
			}
			if ready, consumers := servetest.Counts(t, queue); ready != 0 || consumers != 0 {
				t.Errorf("queue after stop: %d ready, %d consumers; want 0, 0", ready, consumers)
			}
			if strings.Contains(d.stderr.String(), serveToken) {
				t.Error("token leaked to the logs")
			}
		})
	}
}

// checkServed asserts what the platform made of one served inject, on
// one target of asset: on the current line, its per-target trace's message
// starts with trace. An asset "" is a manual target: no per-target trace,
// no signatures stored (they name no asset).
func checkServed(t *testing.T, p *openaevtest.Platform, id, asset, trace string, v openaevtest.Version, final string) {
	t.Helper()
	var kinds []string
	var perTarget []map[string]any
	for _, c := range p.Calls(id) {
		kinds = append(kinds, fmt.Sprintf("%s:%d", c.Kind, c.Status))
		if c.Kind != openaevtest.KindReception && c.Accepted() && !c.Processed() {
			t.Errorf("%s %s %s: %s", id, c.Kind, c.Outcome, c.Reason)
		}
		if _, ok := c.Body["execution_context_identifiers"]; ok {
			perTarget = append(perTarget, c.Body)
		}
	}
	// The run's trace, then, on the current line, one per target with an
	// asset; none on 2.4.0.
	want := "reception:200 trace:200 trace:200 complete:200"
	if v == openaevtest.Version24 || asset == "" {
		want = "reception:200 trace:200 complete:200"
	}
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("%s calls %s, want %s", id, got, want)
	}
	switch {
	case (v == openaevtest.Version24 || asset == "") && len(perTarget) != 0:
		t.Errorf("%s: 2.4.0 or a manual target got per-target traces %v", id, perTarget)
	case asset == "":
	case v != openaevtest.Version24 && len(perTarget) != 1:
		t.Errorf("%s: %d per-target traces, want 1: %v", id, len(perTarget), perTarget)
	case v != openaevtest.Version24:
		msg := fmt.Sprint(perTarget[0]["execution_message"])
		if !strings.HasPrefix(msg, trace) && msg != strings.TrimSuffix(trace, "; ") {
			t.Errorf("%s per-target trace message %q, want %q…", id, msg, trace)
		}
		checkTargetTrace(t, perTarget[0], asset, msg)
	}
	done, _ := p.Terminal(id)
	if !done.Processed() {
		t.Errorf("%s terminal callback %s: %s", id, done.Outcome, done.Reason)
	}
	if n := len(p.Completions(id)); n != 1 {
		t.Errorf("%s completed %d times, want once", id, n)
	}
	if n := p.Reopenings(id); n != 0 {
		t.Errorf("%s reopened %d times", id, n)
	}
	if got := p.InjectStatus(id); got != final {
		t.Errorf("%s status %s, want %s (%v)", id, got, final, done.Body["execution_message"])
	}
	sigs := p.Signatures(id)
	if v == openaevtest.Version24 || asset == "" {
		if len(sigs) != 0 {
			t.Errorf("%s: 2.4.0 or a manual target stored signatures %v", id, sigs)
		}
		return
	}
	for _, et := range []string{"DETECTION", "PREVENTION"} {
		if len(sigs[et]) == 0 {
			t.Errorf("%s: no %s signatures stored", id, et)
		}
		for _, s := range sigs[et] {
			if s.Asset == "" || s.Agent == "" {
				t.Errorf("%s: signature %s=%s attached to asset %q agent %q", id, s.Type, s.Value, s.Asset, s.Agent)
			}
		}
	}
}

// servePlatform runs `injectkit serve` in memory, with the noop and the
// real nmap injectors, until Stop is called.
func servePlatform(t *testing.T, args ...string) *servedDaemon {
	t.Helper()
	return serveWith(t, registry(withNmapScanner), nil, args...)
}

// platformMessageOf is a platform message for injector on one asset with
// an agent; the target property "hostname" picks its name.
func platformMessageOf(id, injector string, content map[string]any, asset map[string]any) []byte {
	content["target_selector"] = "assets"
	content["target_property_selector"] = "hostname"
	content["expectations"] = []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}
	return openaevtest.Message(openaevtest.QueuedInject{ID: id, Title: injector + " inject",
		ContractID: openaev.ContractID(injector), Content: content, Assets: []map[string]any{asset}})
}

func platformNoop() []byte {
	return platformMessageOf("sp-noop", "noop", map[string]any{},
		map[string]any{"asset_id": "asset-web", "asset_name": "web", "asset_hostname": "web01.example.com",
			"asset_ips": []string{"192.0.2.10"}, "asset_agents": []map[string]any{{"agent_id": "agent-web"}}})
}

// platformNmap is a platform message for nmap on the loopback listener,
// a manual target: no asset may be scanned on loopback (a scan of it
// reports the injector's own host), an asset named localhost is skipped.
func platformNmap(port int) []byte {
	return openaevtest.Message(openaevtest.QueuedInject{ID: "sp-nmap", Title: "nmap inject", ContractID: openaev.ContractID("nmap"),
		Content: map[string]any{"scan_type": []string{"connect"}, "ports": strconv.Itoa(port), "timing": "4",
			"target_selector": "manual", "targets": "127.0.0.1",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}})
}

// serve runs each inject under --timeout, set as run's is (the flag, a
// bare number of seconds, INJECTKIT_TIMEOUT, the config file's timeout):
// an executor that overruns it is cancelled and the platform gets the
// TIMEOUT outcome with its partial result. Unset, the deadline is the
// runtime's 10m.
func TestIntegrationServeTimeout(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	tests := []struct {
		name string
		args []string
		env  map[string]string
		max  time.Duration // the deadline the executor sees, at most
		min  time.Duration // … and more than
	}{
		{"flag, bare seconds", []string{"--timeout", "1"}, nil, time.Second, 0},
		{"environment", nil, map[string]string{"INJECTKIT_TIMEOUT": "1s"}, time.Second, 0},
		{"config file", []string{"--config", writeFile(t, "serve.yaml", "timeout: 1500ms\n")}, nil, 1500 * time.Millisecond, 0},
		{"default", nil, nil, 10 * time.Minute, 9 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := make(chan time.Duration, 1)
			release := make(chan struct{}) // ends a run its deadline does not
			reg := registry(func(r *framework.Registry) {
				r.Register("hang", func() framework.Executor {
					return &frameworktest.Executor{Run: func(ctx context.Context, in *framework.Inject) framework.ToolOutput {
						d, _ := ctx.Deadline()
						started <- time.Until(d)
						in.Partial("127.0.0.1: half done")
						select {
						case <-ctx.Done():
						case <-release:
						}
						return framework.ToolOutput{}
					}}
				})
			})
			p := openaevtest.NewPlatform(t, serveToken)
			queue := servetest.PlatformQueue(t, p)
			p.AddInject("i-hang", openaev.ContractID("hang"))
			d := serveWith(t, reg, tt.env, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", "127.0.0.1:0", "--log-format", "json",
				"--injectors", "hang", "--outbox", "none"}, tt.args...)...)
			defer func() {
				if t.Failed() {
					t.Logf("stderr:\n%s", d.stderr)
				}
			}()
			servetest.Publish(t, queue, openaevtest.Message(openaevtest.QueuedInject{ID: "i-hang",
				ContractID: openaev.ContractID("hang"), Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}}))
			timeout, stopTimer := context.WithTimeout(context.Background(), 60*time.Second)
			defer stopTimer()
			ctx, cancel := d.Context(timeout) // ends early if serve returns
			defer cancel()

			var deadline time.Duration
			select {
			case deadline = <-started:
			case <-ctx.Done():
				t.Fatalf("the inject did not run: %v", context.Cause(ctx))
			}
			if deadline > tt.max || deadline <= tt.min {
				close(release)
				t.Fatalf("the executor's deadline is in %s, want in (%s, %s]", deadline, tt.min, tt.max)
			}
			wantStatus, wantMsg := openaev.StatusTimeout, "timed out with 1 partial result: 127.0.0.1: half done"
			if tt.min > 0 {
				close(release) // within the deadline: a success
				wantStatus, wantMsg = openaev.StatusSuccess, ""
			}
			done, err := p.WaitTerminal(ctx, "i-hang")
			if err != nil {
				t.Fatalf("no terminal callback: %v", err)
			}
			if got := done.Body["execution_status"]; got != wantStatus {
				t.Errorf("terminal execution_status %v, want %s (%v)", got, wantStatus, done.Body["execution_message"])
			}
			if msg, _ := done.Body["execution_message"].(string); !strings.Contains(msg, wantMsg) {
				t.Errorf("terminal execution_message %q, want it to say %q", msg, wantMsg)
			}
			if !done.Processed() {
				t.Errorf("terminal callback %s: %s", done.Outcome, done.Reason)
			}
			if code := d.Stop(t); code != 0 {
				t.Errorf("exit %d after cancellation, want 0", code)
			}
		})
	}
}

// TestIntegrationServeWarnsOfTheBrokerConsumerTimeout checks that serve
// warns at start, naming consumer_timeout and how to raise it, when an
// inject's message may stay unacknowledged longer than RabbitMQ's default
// consumer_timeout (30m): --timeout and 5 minutes for its callbacks, twice
// that with --delivery-slots (a message taken while every worker runs one
// waits for a worker as long: the prefetch counts the delivery slots). The
// broker would close its channel and deliver the message again to another
// daemon, which would run the inject a second time.
func TestIntegrationServeWarnsOfTheBrokerConsumerTimeout(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	const warning = "an inject may stay unacknowledged longer than RabbitMQ's default consumer_timeout"
	none := []string{"--outbox", "none"}
	tests := []struct {
		name    string
		args    []string
		want    time.Duration // handle_time logged, 0 for no warning
		unacked time.Duration // consumer_timeout_ms logged
	}{
		{"default 10m", none, 0, 0},
		{"25m: 30m with its callbacks", append([]string{"--timeout", "25m"}, none...), 0, 0},
		{"26m", append([]string{"--timeout", "26m"}, none...), 31 * time.Minute, 31 * time.Minute},
		{"2h", append([]string{"--timeout", "2h"}, none...), 2*time.Hour + 5*time.Minute, 2*time.Hour + 5*time.Minute},
		{"11m with an outbox, no delivery slots: 16m", []string{"--timeout", "11m"}, 0, 0},
		{"default 10m with delivery slots: 30m with the wait for a worker", []string{"--delivery-slots", "4"}, 0, 0},
		{"11m with delivery slots", []string{"--timeout", "11m", "--delivery-slots", "4"}, 16 * time.Minute, 32 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, serveToken)
			servetest.PlatformQueue(t, p)
			d := serveWith(t, serveRegistry(), nil, append([]string{"--openaev-url", p.URL, "--token", serveToken,
				"--injector-id", injectorID, "--listen-addr", "127.0.0.1:0", "--log-format", "json"}, tt.args...)...)
			d.stderr.AwaitText(t, 30*time.Second, `"msg":"consuming"`)
			if code := d.Stop(t); code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			var warned []map[string]any
			for _, line := range strings.Split(d.stderr.String(), "\n") {
				var m map[string]any
				if strings.Contains(line, warning) && json.Unmarshal([]byte(line), &m) == nil {
					warned = append(warned, m)
				}
			}
			switch {
			case tt.want == 0 && len(warned) != 0:
				t.Errorf("warned of consumer_timeout: %v", warned)
			case tt.want == 0:
			case len(warned) != 1:
				t.Errorf("%d warnings of consumer_timeout, want 1:\n%s", len(warned), d.stderr)
			default:
				w := warned[0]
				msg, _ := w["msg"].(string)
				// JSON logs give durations in seconds.
				if w["level"] != "warn" || w["handle_time"] != tt.want.Seconds() || w["consumer_timeout"] != (30*time.Minute).Seconds() ||
					w["consumer_timeout_ms"] != float64(tt.unacked.Milliseconds()) ||
					!strings.Contains(msg, "rabbitmq.conf") || !strings.Contains(msg, "x-consumer-timeout") {
					t.Errorf("warning %v, want WARN with handle_time %s, consumer_timeout 30m, consumer_timeout_ms of %s, how to raise it", w, tt.want, tt.unacked)
				}
			}
		})
	}
}
