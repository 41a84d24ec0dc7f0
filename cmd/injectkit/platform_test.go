package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// The built binary checked from outside, as the platform would see it,
// against the strict stand-in (openaevtest) of each platform line: serve's
// registration, then `run --profile openaev` and `run --openaev-message`
// for every reference injector. Each test asserts on what the platform made
// of a call (processed, stored findings and signatures, inject status),
// never on a 2xx alone.

// TestIntegrationPlatformServeRegistration starts `injectkit serve` with
// the stock registry and the default selection: the platform accepts the
// registration and its heartbeats, every reference contract but noop's
// (served only when named) is registered with outputs the version knows,
// and SIGTERM (or SIGHUP) stops the daemon gracefully with exit 0.
func TestIntegrationPlatformServeRegistration(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	if got := registry(version).Names(); !slices.Equal(got, referenceInjectors) {
		t.Fatalf("registry %v: a new reference injector needs its platform scenarios here", got)
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		stop    syscall.Signal
	}{
		{"current line", openaevtest.Current, syscall.SIGTERM},
		{"2.4.0, stopped by SIGHUP", openaevtest.Version24, syscall.SIGHUP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := platformFor(t, tt.version, false)
			queue := servetest.PlatformQueue(t, p)
			d := startDaemon(t, p.URL, "INJECTKIT_HEARTBEAT_INTERVAL=5s") // the least allowed
			timeout, stopTimer := context.WithTimeout(context.Background(), 90*time.Second)
			defer stopTimer()
			ctx, cancel := d.Context(timeout) // ends early if the daemon exits
			defer cancel()
			// Heartbeats re-register every 5s: each wakes WaitFor, which
			// checks the daemon's consumer on the platform's queue.
			err := p.WaitFor(ctx, func() bool {
				if len(p.Registrations()) < 2 {
					return false
				}
				_, consumers := servetest.Counts(t, queue)
				return consumers == 1
			})
			if err != nil {
				t.Fatalf("no registration, heartbeat and consumer: %v (registrations %d, daemon %s)",
					err, len(p.Registrations()), d.State())
			}
			if code := d.Stop(t, tt.stop, time.Minute); code != 0 {
				t.Errorf("exit %d after %s, want 0", code, tt.stop)
			}
			if got := d.Stderr.String(); !strings.Contains(got, tt.stop.String()+": stopping gracefully") || !strings.Contains(got, "stopped") {
				t.Errorf("no graceful stop logged after %s:\n%s", tt.stop, got)
			}
			for i, reg := range p.Registrations() {
				if reg.Status != 200 {
					t.Errorf("registration %d answered %d: %s", i, reg.Status, reg.Reason)
				}
			}
			served := slices.DeleteFunc(slices.Clone(referenceInjectors), func(n string) bool { return n == "noop" })
			first := p.Registrations()[0]
			contracts, _ := first.Body["injector_contracts"].([]any)
			if len(contracts) != len(served) {
				t.Errorf("%d contracts registered, want %d (%v)", len(contracts), len(served), served)
			}
			if _, ok := p.ContractOutputs(openaev.ContractID("noop")); ok {
				t.Error("noop registered without being named")
			}
			for _, name := range served {
				outs, ok := p.ContractOutputs(openaev.ContractID(name))
				if !ok {
					t.Errorf("%s: contract %s not registered", name, openaev.ContractID(name))
					continue
				}
				for _, o := range outs {
					typ, _, _ := strings.Cut(o, ":")
					if tt.version == openaevtest.Version24 && slices.Contains(currentOnlyOutputs, typ) {
						t.Errorf("%s declares %s, unknown to 2.4.0", name, o)
					}
				}
				sig := slices.Contains(outs, "expectation_signature:expectation_signatures")
				// query declares VULNERABILITY alone, which no signature
				// group the platform keeps can fill: no such output.
				if sig != (tt.version == openaevtest.Current && name != "query") {
					t.Errorf("%s outputs %v: signatures declared %v on %v", name, outs, sig, tt.version)
				}
			}
			if _, consumers := servetest.Counts(t, queue); consumers != 0 {
				t.Errorf("%d consumers left after %s", consumers, tt.stop)
			}
			if strings.Contains(d.Stderr.String(), platformToken) {
				t.Error("token leaked to the logs")
			}
		})
	}
}

// Run modes.
const (
	modeProfile = "profile" // run <injector> --profile openaev --inject-id … --inject-file …
	modeMessage = "message" // run <injector> --openaev-message …
)

// runCase is one run of a reference injector against one platform.
type runCase struct {
	injector string
	mode     string
	version  openaevtest.Version
	legacy   bool
}

func (c runCase) name() string {
	v := "current"
	if c.version == openaevtest.Version24 {
		v = "2.4.0"
	}
	if c.legacy {
		v += "-legacy"
	}
	return c.injector + "/" + c.mode + "/" + v
}

// runCases crosses injectors, modes and versions, plus legacy ingestion
// (current line) for the injectors in legacy.
func runCases(injectors []string, legacy ...string) []runCase {
	var out []runCase
	for _, inj := range injectors {
		for _, mode := range []string{modeProfile, modeMessage} {
			for _, v := range []openaevtest.Version{openaevtest.Current, openaevtest.Version24} {
				out = append(out, runCase{injector: inj, mode: mode, version: v})
			}
			if slices.Contains(legacy, inj) {
				out = append(out, runCase{injector: inj, mode: mode, version: openaevtest.Current, legacy: true})
			}
		}
	}
	return out
}

// TestPlatformRun runs noop, query (Shodan stand-in) and cloudscan (AWS
// stand-in) through the binary against the strict platform.
func TestPlatformRun(t *testing.T) {
	for _, c := range runCases([]string{"noop", "query", "cloudscan"}, "noop") {
		t.Run(c.name(), func(t *testing.T) { runOnPlatform(t, c) })
	}
}

// TestIntegrationPlatformRunNmap runs the real nmap through the binary
// against a loopback listener, reporting to the strict platform.
func TestIntegrationPlatformRunNmap(t *testing.T) {
	testkit.Integration(t, "nmap")
	for _, c := range runCases([]string{"nmap"}, "nmap") {
		t.Run(c.name(), func(t *testing.T) { runOnPlatform(t, c) })
	}
}

// runOnPlatform runs one case and checks what the platform made of it.
func runOnPlatform(t *testing.T, c runCase) {
	p := platformFor(t, c.version, c.legacy)
	registerContracts(t, p)
	id := "inj-" + strings.ReplaceAll(c.name(), "/", "-")
	p.AddInject(id, openaev.ContractID(c.injector))
	sc := scenarioFor(t, c)

	args := []string{"run", c.injector, "--backend-url", p.URL, "--token", platformToken}
	if c.mode == modeProfile {
		args = append(args, "--profile", "openaev", "--inject-id", id, "--inject-file", testkit.WriteJSON(t, "inject.json", sc.inject))
	} else {
		args = append(args, "--openaev-message", testkit.WriteFile(t, "message.json",
			platformMessage(id, c.injector, sc.content, sc.assets)))
	}
	code, stdout, stderr := injectkit(t, sc.env, args...)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q; stderr:\n%s", code, stdout, stderr)
	}
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	}()
	if strings.Contains(stderr, platformToken) || strings.Contains(stderr, shodanKey) || strings.Contains(stderr, awsSecretKey) {
		t.Error("a secret leaked to stderr")
	}

	// Every call about the inject was answered 2xx; every callback was
	// processed (in legacy mode a failed processing would be a 4xx).
	var kinds []string
	for _, call := range p.Calls(id) {
		kinds = append(kinds, fmt.Sprintf("%s:%d", call.Kind, call.Status))
		if !call.Accepted() {
			t.Errorf("%s answered %d: %s", call.Kind, call.Status, call.Reason)
		} else if call.Kind != openaevtest.KindReception && !call.Processed() {
			t.Errorf("%s %s: %s", call.Kind, call.Outcome, call.Reason)
		}
	}
	// The run's trace, then, on the current line, one per target with an
	// asset, naming it; none on 2.4.0.
	var wantTraces []string
	if c.version == openaevtest.Current && sc.asset != "" {
		wantTraces = []string{sc.asset}
	}
	want := "reception:200 trace:200 " + strings.Repeat("trace:200 ", len(wantTraces)) + "complete:200"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("calls %s, want %s", got, want)
	}
	checkTargetTraces(t, p.Calls(id), c.injector+" on "+sc.target+": succeeded", wantTraces)
	if d := p.Dropped(); len(d) != 0 {
		t.Errorf("%d callbacks dropped, first: %s", len(d), d[0].Reason)
	}
	done, ok := p.Terminal(id)
	if !ok || !done.Processed() {
		t.Fatalf("terminal callback: present %v, %s %s", ok, done.Outcome, done.Reason)
	}
	if n := len(p.Completions(id)); n != 1 {
		t.Errorf("%d processed completions, want 1", n)
	}
	wantStatus := "EXECUTED"
	if c.version == openaevtest.Version24 {
		wantStatus = "SUCCESS"
	}
	if got := p.InjectStatus(id); got != wantStatus {
		t.Errorf("inject status %s, want %s (message %v)", got, wantStatus, done.Body["execution_message"])
	}
	findings := p.Findings(id)
	sc.check(t, c.version, findings)

	// Signatures: stored on the current line only, attached to the asset,
	// of types the collectors read.
	doc, _ := done.Structured()
	_, sent := doc["expectation_signatures"]
	stored := p.Signatures(id)
	switch {
	case c.version == openaevtest.Version24:
		if sent || len(stored) != 0 {
			t.Errorf("2.4.0 got signatures: sent %v, stored %v", sent, stored)
		}
		if !strings.Contains(stderr, "predates signature processing") {
			t.Error("no warning that 2.4.0 gets no signatures")
		}
	case sc.signature == "":
		if len(stored) != 0 {
			t.Errorf("signatures stored for targets without an asset, or of a type the injector does not declare: %v", stored)
		}
	default:
		var got []string
		for _, s := range stored["DETECTION"] {
			got = append(got, s.Asset+"/"+s.Agent+" "+s.Type+"="+s.Value)
			if s.Asset != sc.asset || s.Agent != sc.agent {
				t.Errorf("signature %s=%s on asset %q agent %q, want %q %q", s.Type, s.Value, s.Asset, s.Agent, sc.asset, sc.agent)
			}
		}
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, sc.asset+"/"+sc.agent+" "+sc.signature) }) {
			t.Errorf("stored DETECTION signatures %v lack %s", got, sc.signature)
		}
	}
	if b := p.CollectorBreaking(); len(b) != 0 {
		t.Errorf("collector-breaking signature types stored: %v", b)
	}
}

func scenarioFor(t *testing.T, c runCase) scenario {
	t.Helper()
	var sc scenario
	msg := c.mode == modeMessage
	// A message's asset carries an agent; the target property "hostname"
	// picks its name (its loopback address is not a usable target).
	asset := func(host string) []map[string]any {
		return []map[string]any{{"asset_id": "asset-1", "asset_name": host, "asset_hostname": host,
			"asset_ips": []string{"127.0.0.1"}, "asset_agents": []map[string]any{{"agent_id": "agent-1", "agent_executed_by_user": "root"}}}}
	}
	sc.asset = "asset-1"
	if msg {
		sc.agent = "agent-1"
	}
	switch c.injector {
	case "noop":
		sc.inject = map[string]any{"injector": "noop", "expectation_types": []string{"DETECTION", "PREVENTION"},
			"targets": []map[string]any{{"value": "web01.example.com", "asset": "asset-1"}}}
		sc.content = map[string]any{"target_selector": "assets", "target_property_selector": "hostname",
			"expectations": expectations("DETECTION", "PREVENTION")}
		sc.assets = asset("web01.example.com")
		sc.signature = "start_date=" // noop sends nothing to its target: no target address
		sc.target = "web01.example.com"
		sc.check = func(t *testing.T, _ openaevtest.Version, f map[string]any) {
			if s, _ := f["summary"].(string); !strings.HasPrefix(s, "noop: 1 target(s)") {
				t.Errorf("summary finding %v", f["summary"])
			}
		}
	case "nmap":
		port := testkit.Listen(t, "tcp4", "127.0.0.1:0", testkit.SSHBanner).Port
		sc.inject = map[string]any{"injector": "nmap", "expectation_types": []string{"DETECTION", "PREVENTION"},
			"targets": []map[string]any{{"value": "127.0.0.1", "asset": "asset-1"}},
			"params":  map[string]any{"ports": strconv.Itoa(port), "timing": 4}}
		// A scan of loopback reports the injector's own host, so no asset
		// may be scanned there (an asset named localhost is refused): the
		// message scans the listener as a manual target, which has no
		// asset, no trace of its own and no signatures stored. The
		// attribution to assets is checked with the fake nmap.
		sc.content = map[string]any{"target_selector": "manual", "targets": "127.0.0.1",
			"scan_type": []string{"connect"}, "ports": strconv.Itoa(port), "timing": "4",
			"expectations": expectations("DETECTION", "PREVENTION")}
		sc.signature, sc.target = "target_ipv4_address=127.0.0.1", "127.0.0.1"
		wantAsset := "asset-1"
		if msg {
			sc.asset, sc.agent, sc.signature, wantAsset = "", "", "", ""
		}
		sc.check = func(t *testing.T, _ openaevtest.Version, f map[string]any) {
			rows, _ := f["scan_results"].([]any)
			found := false
			for _, r := range rows {
				row, _ := r.(map[string]any)
				if got, _ := row["asset_id"].(string); got != wantAsset {
					t.Errorf("scan_results row %v: asset_id is not %q", row, wantAsset)
				}
				found = found || row["port"] == float64(port)
			}
			if !found {
				t.Errorf("scan_results %v lack port %d", f["scan_results"], port)
			}
			if fmt.Sprint(f["ports"]) != fmt.Sprintf("[%d]", port) {
				t.Errorf("ports finding %v, want [%d]", f["ports"], port)
			}
		}
	case "query":
		srv := shodantest.NewServer(shodanKey)
		t.Cleanup(srv.Close)
		sc.env = []string{"INJECTKIT_SHODAN_BASE_URL=" + srv.URL, "INJECTKIT_SHODAN_API_KEY=" + shodanKey}
		sc.inject = map[string]any{"injector": "query", "expectation_types": []string{"VULNERABILITY"},
			"targets": []map[string]any{{"query": "apache", "target_ipv4": "127.0.0.1", "asset": "asset-1"}}}
		// web0.example.net is the corpus's 127.0.0.1. The message lists
		// DETECTION, as the platform's form adds it to every contract:
		// query declares VULNERABILITY only, so none is stored.
		sc.content = map[string]any{"query": "apache", "target_selector": "assets", "target_property_selector": "hostname",
			"expectations": expectations("DETECTION", "VULNERABILITY")}
		sc.assets = asset("web0.example.net")
		sc.signature, sc.target = "", "127.0.0.1"
		if msg {
			sc.target = "web0.example.net"
		}
		sc.check = func(t *testing.T, v openaevtest.Version, f map[string]any) { checkQueryFindings(t, v, f) }
	case "cloudscan":
		aws := newAWSStandIn(t)
		sc.env = append(awsEnv(t), "INJECTKIT_CLOUDSCAN_ENDPOINT_URL="+aws.URL) // the host's setting, no param
		sc.inject = map[string]any{"injector": "cloudscan", "expectation_types": []string{"DETECTION", "PREVENTION"},
			"targets": []map[string]any{{"cloud_provider": "aws", "cloud_account_id": awsAccount, "cloud_region": "eu-west-1",
				"target_service": "ec2", "asset": "asset-1"}},
			"params": map[string]any{"retry_max_attempts": 1}}
		sc.content = map[string]any{"cloud_provider": "aws", "cloud_account_id": awsAccount, "cloud_region": "eu-west-1",
			"target_service": "ec2", "retry_max_attempts": 1,
			"expectations": expectations("DETECTION", "PREVENTION")}
		sc.signature, sc.target = "cloud_account_id="+awsAccount, "aws:"+awsAccount+":eu-west-1:ec2"
		if msg {
			// A cloud inject names an account, no asset: its signatures
			// have nothing to attach to on the platform.
			sc.asset, sc.signature = "", ""
		}
		sc.check = func(t *testing.T, _ openaevtest.Version, f map[string]any) {
			lines, _ := f["findings_summary"].([]any)
			if len(lines) != 1 || !strings.HasPrefix(fmt.Sprint(lines[0]), "[high] aws "+awsAccount+" eu-west-1: ec2 security group sg-0a1b2c3d4e5f60001") {
				t.Errorf("findings_summary %v", f["findings_summary"])
			}
			if got := aws.calls(); !slices.Equal(got, []string{"sts:GetCallerIdentity", "ec2:DescribeSecurityGroups"}) {
				t.Errorf("AWS calls %v", got)
			}
		}
	default:
		t.Fatalf("no scenario for %s", c.injector)
	}
	return sc
}
