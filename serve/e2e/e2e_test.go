package e2e_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

const (
	injectorID = "7d0c2f7e-3b1a-4c55-8f6e-2a9b8c7d6e5f"
	token      = "e2e-platform-token"
)

// bin is the injectkit binary, built once (with the race detector) unless
// the run is -short.
var bin string

// TestMain builds the binary the tests start. A binary built with -race
// sleeps a second before it exits (the race detector's atexit_sleep_ms,
// 1000 by default): every daemon and command the tests start, which
// inherit this environment, exits at once, a GORACE of the user's own
// still read after ours.
func TestMain(m *testing.M) {
	os.Setenv("GORACE", "atexit_sleep_ms=0 "+os.Getenv("GORACE"))
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	var remove func()
	bin, remove = testkit.Build("github.com/injectkit/injectkit/cmd/injectkit")
	code := m.Run()
	remove()
	os.Exit(code)
}

func TestIntegrationScaleOut(t *testing.T) {
	p, queue := setup(t)
	cs := startConsumers(t, p, queue, 3)
	ids, bodies := injects(t, p, "scale", 300, "20ms")
	servetest.Publish(t, queue, bodies...)
	waitAll(t, p, ids)

	for _, c := range cs {
		if code := c.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", c.Name, code)
		}
	}
	done := completions(p)
	if len(done) != len(ids) {
		t.Errorf("%d injects completed, want %d", len(done), len(ids))
	}
	if dups := duplicates(done); len(dups) > 0 {
		t.Errorf("%d injects completed more than once without any failure: %v", len(dups), dups)
	}
	for _, c := range cs {
		n := len(c.logged("terminal callback delivered"))
		t.Logf("%s completed %d injects", c.Name, n)
		if n == 0 {
			t.Errorf("%s completed no inject: the load was not shared", c.Name)
		}
	}
	if ready, consumers := servetest.Counts(t, queue); ready != 0 || consumers != 0 {
		t.Errorf("queue after shutdown: %d ready, %d consumers; want 0, 0", ready, consumers)
	}
}

// TestIntegrationCrashedConsumerLosesNothing kills one of three daemons
// mid-run and restarts it on its outbox, as its supervisor would: what it
// held unacknowledged goes to the others, what it had stored (acknowledged,
// the POST unanswered or refused) it sends once restarted.
func TestIntegrationCrashedConsumerLosesNothing(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // the victim's outbox, kept across its restart
	cs := []*consumer{startConsumer(t, "serve-0", p.URL, "XDG_STATE_HOME="+state),
		startConsumer(t, "serve-1", p.URL), startConsumer(t, "serve-2", p.URL)}
	waitConsumers(t, queue, 3)
	ids, bodies := injects(t, p, "crash", 150, "150ms")
	for i := 0; i < len(ids); i += 3 { // a third stored, then posted again a second later
		p.FailComplete(ids[i], 503, 1)
	}
	servetest.Publish(t, queue, bodies...)

	// Kill one consumer mid-run, while it holds injects.
	victim := cs[0]
	testkit.WaitFor(t, 90*time.Second, "5 injects completed by the victim", func() bool {
		return len(victim.logged("terminal callback delivered")) >= 5
	}, &victim.Stderr.Signal)
	if err := victim.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.Exited()
	started, delivered := victim.logged("message received"), victim.logged("terminal callback delivered")
	var cut []string
	for id := range started {
		if delivered[id] == 0 {
			cut = append(cut, id)
		}
	}
	sort.Strings(cut)
	t.Logf("killed %s with %d injects in flight: %v", victim.Name, len(cut), cut)

	cs = append(cs, startConsumer(t, "serve-0-again", p.URL, "XDG_STATE_HOME="+state))
	waitAll(t, p, ids)
	var stored []string // cut, and received by no daemon after the kill: sent from the victim's outbox
	for _, id := range cut {
		if received(cs[1:], id) == 0 {
			stored = append(stored, id)
		}
	}
	t.Logf("%d of them stored before the kill, sent by %s: %v", len(stored), cs[3].Name, stored)
	for _, c := range cs[1:] {
		if code := c.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", c.Name, code)
		}
	}
	done := completions(p)
	if len(done) != len(ids) {
		t.Errorf("%d injects completed, want %d", len(done), len(ids))
	}
	for _, id := range cut {
		if done[id] == 0 {
			t.Errorf("inject %s, in flight in the killed consumer, was lost", id)
		}
	}
	dups := duplicates(done)
	t.Logf("%d injects completed more than once (redelivered after the kill): %v", len(dups), dups)
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
}

func TestIntegrationSIGTERMRequeuesWhatDidNotFinish(t *testing.T) {
	p, queue := setup(t)
	c := startConsumer(t, "serve-0", p.URL, "INJECTKIT_SHUTDOWN_TIMEOUT=1s", "INJECTKIT_WORKERS=2")
	waitConsumers(t, queue, 1)
	quick, quickBodies := injects(t, p, "quick", 1, "0s")
	servetest.Publish(t, queue, quickBodies...)
	waitAll(t, p, quick)
	_, slow := injects(t, p, "slow", 3, "10m")
	servetest.Publish(t, queue, slow...)
	// The quick one and two slow ones run.
	testkit.WaitFor(t, 60*time.Second, "the slow injects to start", func() bool {
		return len(c.logged("pre-execution signatures compiled")) >= 3
	}, &c.Stderr.Signal)
	start := time.Now()
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	// The two running injects were requeued at the timeout; the third never
	// left the broker (prefetch 2: no delivery slots by default, outbox or
	// not): all three wait for the next consumer.
	if ready, consumers := servetest.Counts(t, queue); ready != 3 || consumers != 0 {
		t.Errorf("queue after SIGTERM: %d ready, %d consumers; want 3, 0", ready, consumers)
	}
	for _, id := range []string{"slow-000", "slow-001", "slow-002"} {
		if _, ok := p.Terminal(id); ok {
			t.Errorf("%s has a terminal callback although it did not finish", id)
		}
	}
	if !strings.Contains(c.Stderr.String(), "shutdown timeout: requeued the unfinished injects") {
		t.Error("the requeue at the shutdown timeout is not logged")
	}
}

// TestIntegrationRealNmapThroughTheQueue runs platform messages for the
// real nmap injector through the queue and the built binary: an agentless
// asset named localhost is refused (a scan of loopback reports the
// injector's own host, never an asset's), nmap not started; the loopback
// listener, a manual target, is scanned, its open port reported in the
// terminal callback and stored.
func TestIntegrationRealNmapThroughTheQueue(t *testing.T) {
	p, queue := setup(t)
	if _, err := exec.LookPath("nmap"); err != nil {
		t.Skip("nmap not installed")
	}
	port := testkit.Listen(t, "tcp4", "127.0.0.1:0", "").Port

	c := startConsumer(t, "serve-nmap", p.URL)
	waitConsumers(t, queue, 1)
	client, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1", InjectorID: injectorID})
	if err != nil {
		t.Fatal(err)
	}
	content := func(selector string) map[string]any {
		return map[string]any{"target_selector": selector, "targets": "127.0.0.1", "scan_type": []string{"connect"},
			"ports": strconv.Itoa(port), "timing": "4",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}}}
	}
	lo := openaevtest.Message(openaevtest.QueuedInject{ID: "nmap-lo", ContractID: client.ContractID("nmap"),
		Content: content("assets"),
		Assets: []map[string]any{{"asset_id": "asset-lo", "asset_hostname": "localhost",
			"asset_ips": []string{"127.0.0.1"}, "asset_agents": []any{}}},
	})
	manual := openaevtest.Message(openaevtest.QueuedInject{ID: "nmap-1", ContractID: client.ContractID("nmap"),
		Content: content("manual")})
	p.AddInject("nmap-lo", client.ContractID("nmap"))
	p.AddInject("nmap-1", client.ContractID("nmap"))
	servetest.Publish(t, queue, lo, manual)
	waitAll(t, p, []string{"nmap-lo", "nmap-1"})
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	calls := func(id string) string {
		var got []string
		for _, call := range p.Calls(id) {
			got = append(got, fmt.Sprintf("%s:%d", call.Kind, call.Status))
		}
		return strings.Join(got, " ")
	}
	if got := calls("nmap-lo"); got != "reception:200 complete:200" {
		t.Errorf("asset named localhost: calls = %v", got)
	}
	if done, _ := p.Terminal("nmap-lo"); done.Body["execution_status"] != "INVALID_USAGE" ||
		!strings.Contains(fmt.Sprint(done.Body["execution_message"]), "asset asset-lo (hostname localhost is loopback") {
		t.Errorf("asset named localhost: terminal callback = %v", done.Body)
	}
	// The run's trace and the terminal callback: a manual target has no
	// asset, no trace of its own.
	if got := calls("nmap-1"); got != "reception:200 trace:200 complete:200" {
		t.Fatalf("calls = %v", got)
	}
	done, _ := p.Terminal("nmap-1")
	out, _ := done.Structured()
	if done.Body["execution_status"] != "SUCCESS" || fmt.Sprint(out["ports"]) != fmt.Sprintf("[%d]", port) {
		t.Errorf("terminal callback = %v", done.Body)
	}
	// What the platform stores of the scan: one portscan row, its value
	// as PortScanOutputProcessor renders it, "host:port (service)".
	var scans []string
	for _, r := range p.StoredFindings("nmap-1") {
		if r.Type == "portscan" && r.Field == "scan_results" {
			scans = append(scans, r.Value)
		}
	}
	if want := fmt.Sprintf("127.0.0.1:%d", port); len(scans) != 1 || (scans[0] != want && !strings.HasPrefix(scans[0], want+" (")) {
		t.Errorf("port findings stored = %q, want one row %s (its service)", scans, want)
	}
	if b := p.CollectorBreaking(); len(b) != 0 {
		t.Errorf("signature types no collector can read: %v", b)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
}

// TestIntegrationInjectThatEndsTheProcessIsNotRunForEver checks the outside
// tester's crash loop through the built binary and a real broker: an
// inject whose run ends its serve process (killed here; a panic in a
// goroutine of its injector ends it the same way, exit 2) is run again by
// the restarted daemon, on the same host (outbox), until its runs ended
// unfinished openaev.MaxUnfinishedRuns times; the next daemon sends its
// terminal ERROR saying so instead of a third run, acknowledges the
// message and goes on with the next.
func TestIntegrationInjectThatEndsTheProcessIsNotRunForEver(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: the restarted daemon's outbox is the dead one's
	ids, bodies := injects(t, p, "dies", 1, "10m")
	next, nextBodies := injects(t, p, "next", 1, "0s")
	servetest.Publish(t, queue, append(bodies, nextBodies...)...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1"}
	for round := range openaev.MaxUnfinishedRuns {
		c := startConsumer(t, fmt.Sprintf("serve-%d", round), p.URL, env...)
		testkit.WaitFor(t, 90*time.Second, "the inject to run", func() bool {
			return c.logged("pre-execution signatures compiled")[ids[0]] == 1
		}, &c.Stderr.Signal)
		if err := c.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-c.Exited()
	}
	c := startConsumer(t, "serve-last", p.URL, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	term, err := p.WaitTerminal(ctx, ids[0])
	if err != nil {
		t.Fatalf("no terminal callback of %s: %v", ids[0], err)
	}
	want := fmt.Sprintf("injectkit stopped while running inject %s %d times", ids[0], openaev.MaxUnfinishedRuns)
	if term.Body["execution_status"] != "ERROR" || !strings.Contains(fmt.Sprint(term.Body["execution_message"]), want) {
		t.Errorf("terminal %v, want ERROR saying %q", term.Body, want)
	}
	waitAll(t, p, next)
	if n := c.logged("pre-execution signatures compiled")[ids[0]]; n != 0 {
		t.Errorf("the last daemon ran %s %d times", ids[0], n)
	}
	if n := c.logged("inject not run again: injectkit stopped while running it; its terminal callback is ERROR")[ids[0]]; n != 1 {
		t.Errorf("%d ERROR lines naming %s, want 1", n, ids[0])
	}
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages left in the queue", ready)
	}
}

// TestIntegrationShutdownsAreNotUnfinishedRuns checks the outside
// tester's rolling restarts: a daemon whose graceful shutdown (SIGTERM)
// times out during an inject's run returns its message to the queue, and
// that is not a run ending the process, however many such shutdowns came:
// after more than openaev.MaxUnfinishedRuns of them the next daemon runs
// the inject again, to its end, instead of answering it ERROR.
func TestIntegrationShutdownsAreNotUnfinishedRuns(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: each daemon's outbox is the previous one's
	ids, bodies := injectsLasting(t, p, "%s-%03d", "stopped", 1, func() string { return "20s" })
	servetest.Publish(t, queue, bodies...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1", "INJECTKIT_SHUTDOWN_TIMEOUT=1s"}
	for round := range openaev.MaxUnfinishedRuns + 1 {
		c := startRunningAgain(t, p, env, round, ids[0], "graceful shutdowns")
		if code := c.stop(t); code != 0 {
			t.Fatalf("round %d: exit %d after SIGTERM, want 0", round, code)
		}
		if n := c.logged("shutdown timeout: requeued the unfinished injects"); n[""] != 1 {
			t.Fatalf("round %d: the shutdown did not requeue the inject (%v)", round, n)
		}
	}
	lastDaemonRunsOnce(t, p, env, ids[0], "graceful shutdowns")
}

// TestIntegrationExitsNowAreNotUnfinishedRuns checks the outside tester's
// double stops: a daemon sent SIGTERM during an inject's run, then SIGTERM
// again while its graceful stop waits for the run (exit now, 130), returns
// the message to the queue, and that is not a run ending the process
// either: after openaev.MaxUnfinishedRuns such stops the next daemon runs
// the inject again, to its end, instead of answering it ERROR.
func TestIntegrationExitsNowAreNotUnfinishedRuns(t *testing.T) {
	p, queue := setup(t)
	state := t.TempDir() // one host: each daemon's outbox is the previous one's
	ids, bodies := injectsLasting(t, p, "%s-%03d", "exited", 1, func() string { return "20s" })
	servetest.Publish(t, queue, bodies...)
	env := []string{"XDG_STATE_HOME=" + state, "INJECTKIT_WORKERS=1"} // a graceful stop waits 20 s
	const stopping = "terminated: stopping gracefully (send it again to exit now)"
	for round := range openaev.MaxUnfinishedRuns {
		c := startRunningAgain(t, p, env, round, ids[0], "stops")
		if err := c.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		testkit.WaitFor(t, 30*time.Second, "the graceful stop", func() bool { return c.logged(stopping)[""] == 1 }, &c.Stderr.Signal)
		if code := c.stop(t); code != 130 {
			t.Fatalf("round %d: exit %d after a second SIGTERM, want 130", round, code)
		}
	}
	lastDaemonRunsOnce(t, p, env, ids[0], "stops by a second SIGTERM")
}

// startRunningAgain starts daemon serve-<round> and waits for it to run
// inject id again: the round daemons stopped before it (after names how)
// must have left the inject without a terminal callback.
func startRunningAgain(t *testing.T, p *openaevtest.Platform, env []string, round int, id, after string) *consumer {
	t.Helper()
	c := startConsumer(t, fmt.Sprintf("serve-%d", round), p.URL, env...)
	testkit.WaitFor(t, 90*time.Second, "the inject to run, or its terminal callback", func() bool {
		_, answered := p.Terminal(id)
		return answered || c.logged("pre-execution signatures compiled")[id] == 1
	}, &c.Stderr.Signal)
	if term, answered := p.Terminal(id); answered {
		t.Fatalf("round %d: terminal %v, want the inject run again after %d %s", round, term.Body, round, after)
	}
	return c
}

// lastDaemonRunsOnce starts one more daemon and checks that it runs inject
// id once, to the inject's own outcome, not the terminal ERROR of a run
// that ended the process: the stops before (after) did not count as such.
func lastDaemonRunsOnce(t *testing.T, p *openaevtest.Platform, env []string, id, after string) {
	t.Helper()
	c := startConsumer(t, "serve-last", p.URL, env...)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	term, err := p.WaitTerminal(ctx, id)
	if err != nil {
		t.Fatalf("no terminal callback of %s: %v", id, err)
	}
	if term.Body["execution_status"] == "ERROR" {
		t.Errorf("terminal %v after %s, want the inject's own outcome", term.Body, after)
	}
	if n := c.logged("pre-execution signatures compiled")[id]; n != 1 {
		t.Errorf("the last daemon ran %s %d times, want 1", id, n)
	}
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
}
