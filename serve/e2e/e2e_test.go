package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "injectkit-e2e")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "injectkit")
	build := exec.Command("go", "build", "-race", "-o", bin, "github.com/injectkit/injectkit/cmd/injectkit")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build injectkit: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// consumer is one `injectkit serve` process.
type consumer struct {
	name   string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan error
}

func startConsumer(t *testing.T, name, platformURL string, env ...string) *consumer {
	t.Helper()
	c := &consumer{name: name, stderr: &lockedBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, "serve")
	c.cmd.Env = append(os.Environ(),
		"CONTAINER_IP=172.17.0.2",
		"INJECTKIT_OPENAEV_URL="+platformURL,
		"INJECTKIT_TOKEN="+token,
		"INJECTKIT_INJECTOR_ID="+injectorID,
		"INJECTKIT_INJECTOR_NAME="+name,
		"INJECTKIT_WORKERS=4",
		"INJECTKIT_LISTEN_ADDR=127.0.0.1:0",
		"INJECTKIT_SHUTDOWN_TIMEOUT=20s",
		"INJECTKIT_HEARTBEAT_INTERVAL=2s",
		"INJECTKIT_LOG_FORMAT=json",
	)
	c.cmd.Env = append(c.cmd.Env, env...)
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.done
		if t.Failed() {
			t.Logf("%s stderr (tail):\n%s", c.name, tail(c.stderr.String(), 30))
		}
	})
	return c
}

// stop sends SIGTERM and returns the exit code.
func (c *consumer) stop(t *testing.T) int {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		return 0
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not stop within 60s of SIGTERM", c.name)
	}
	return -1
}

// logged returns the inject ids of c's JSON log lines whose msg is msg.
func (c *consumer) logged(msg string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(c.stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			id, _ := m["inject_id"].(string)
			out[id]++
		}
	}
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// setup starts a platform stand-in whose registration names a fresh queue.
func setup(t *testing.T) (*openaevtest.Platform, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs RabbitMQ and the built binary")
	}
	b := servetest.Broker(t)
	queue := servetest.Queue(t)
	p := openaevtest.NewPlatform(t, token)
	p.SetBroker(openaevtest.Broker{Host: b.Host, Port: b.Port, VHost: b.VHost, User: b.User, Pass: b.Pass, Queue: queue})
	return p, queue
}

// injects returns n noop injects lasting delay each, ids prefix-000….
func injects(t *testing.T, prefix string, n int, delay string) (ids []string, bodies [][]byte) {
	t.Helper()
	c, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:1", InjectorID: injectorID})
	if err != nil {
		t.Fatal(err)
	}
	contract := c.ContractID("noop")
	for i := range n {
		id := fmt.Sprintf("%s-%03d", prefix, i)
		b, err := json.Marshal(map[string]any{"injection": map[string]any{
			"inject_id":                id,
			"inject_injector_contract": map[string]any{"injector_contract_id": contract},
			"inject_content":           map[string]any{"target_selector": "manual", "targets": "127.0.0.1", "delay": delay},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids, bodies = append(ids, id), append(bodies, b)
	}
	return ids, bodies
}

// completions counts the accepted terminal callbacks per inject.
func completions(p *openaevtest.Platform) map[string]int {
	out := map[string]int{}
	for _, c := range p.AllCalls() {
		if c.Kind == openaevtest.KindComplete && c.Accepted() {
			out[c.InjectID]++
		}
	}
	return out
}

func waitConsumers(t *testing.T, queue string, n int) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, c := servetest.Counts(t, queue); c == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d consumers on %s after 90s", n, queue)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitAll(t *testing.T, p *openaevtest.Platform, ids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for _, id := range ids {
		if _, err := p.WaitTerminal(ctx, id); err != nil {
			t.Fatalf("inject %s never completed: %v", id, err)
		}
	}
}

// duplicates returns the injects completed more than once, sorted.
func duplicates(done map[string]int) []string {
	var out []string
	for id, n := range done {
		if n > 1 {
			out = append(out, fmt.Sprintf("%s×%d", id, n))
		}
	}
	sort.Strings(out)
	return out
}

func TestIntegrationScaleOut(t *testing.T) {
	p, queue := setup(t)
	var cs []*consumer
	for i := range 3 {
		cs = append(cs, startConsumer(t, fmt.Sprintf("serve-%d", i), p.URL))
	}
	waitConsumers(t, queue, 3)
	ids, bodies := injects(t, "scale", 300, "20ms")
	servetest.Publish(t, queue, bodies...)
	waitAll(t, p, ids)

	for _, c := range cs {
		if code := c.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", c.name, code)
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
		t.Logf("%s completed %d injects", c.name, n)
		if n == 0 {
			t.Errorf("%s completed no inject: the load was not shared", c.name)
		}
	}
	if ready, consumers := servetest.Counts(t, queue); ready != 0 || consumers != 0 {
		t.Errorf("queue after shutdown: %d ready, %d consumers; want 0, 0", ready, consumers)
	}
}

func TestIntegrationCrashedConsumerLosesNothing(t *testing.T) {
	p, queue := setup(t)
	var cs []*consumer
	for i := range 3 {
		cs = append(cs, startConsumer(t, fmt.Sprintf("serve-%d", i), p.URL))
	}
	waitConsumers(t, queue, 3)
	ids, bodies := injects(t, "crash", 150, "150ms")
	servetest.Publish(t, queue, bodies...)

	// Kill one consumer mid-run, while it holds injects.
	victim := cs[0]
	deadline := time.Now().Add(90 * time.Second)
	for len(victim.logged("terminal callback delivered")) < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the victim completed nothing within 90s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-victim.done
	victim.done <- nil
	started, delivered := victim.logged("message received"), victim.logged("terminal callback delivered")
	var cut []string
	for id := range started {
		if delivered[id] == 0 {
			cut = append(cut, id)
		}
	}
	sort.Strings(cut)
	t.Logf("killed %s with %d injects in flight: %v", victim.name, len(cut), cut)

	waitAll(t, p, ids)
	for _, c := range cs[1:] {
		if code := c.stop(t); code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", c.name, code)
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
	quick, quickBodies := injects(t, "quick", 1, "0s")
	servetest.Publish(t, queue, quickBodies...)
	waitAll(t, p, quick)
	_, slow := injects(t, "slow", 3, "10m")
	servetest.Publish(t, queue, slow...)
	deadline := time.Now().Add(60 * time.Second)
	for len(c.logged("pre-execution signatures compiled")) < 3 { // the quick one and two slow ones run
		if time.Now().After(deadline) {
			t.Fatal("the slow injects never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if code := c.stop(t); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	// The two running injects were requeued at the timeout; the third never
	// left the broker (prefetch 2): all three wait for the next consumer.
	if ready, consumers := servetest.Counts(t, queue); ready != 3 || consumers != 0 {
		t.Errorf("queue after SIGTERM: %d ready, %d consumers; want 3, 0", ready, consumers)
	}
	for _, id := range []string{"slow-000", "slow-001", "slow-002"} {
		if _, ok := p.Terminal(id); ok {
			t.Errorf("%s has a terminal callback although it did not finish", id)
		}
	}
	if !strings.Contains(c.stderr.String(), "shutdown timeout: requeued the unfinished injects") {
		t.Error("the requeue at the shutdown timeout is not logged")
	}
}
