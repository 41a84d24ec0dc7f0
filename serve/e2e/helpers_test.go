package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// consumer is one `injectkit serve` process; the test's failure logs the
// last 30 lines of its standard error.
type consumer struct{ *testkit.Process }

func startConsumer(t *testing.T, name, platformURL string, env ...string) *consumer {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	for _, kv := range os.Environ() {
		// No configuration but this one: the test's own variables
		// (INJECTKIT_CHAOS_SEED) are no setting, which serve refuses.
		if !strings.HasPrefix(kv, "INJECTKIT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env,
		"CONTAINER_IP=172.17.0.2",
		"INJECTKIT_OPENAEV_URL="+platformURL,
		"INJECTKIT_TOKEN="+token,
		"INJECTKIT_INJECTOR_ID="+injectorID,
		"INJECTKIT_INJECTOR_NAME="+name,
		"INJECTKIT_WORKERS=4",
		"INJECTKIT_LISTEN_ADDR=127.0.0.1:0",
		"INJECTKIT_SHUTDOWN_TIMEOUT=20s",
		"INJECTKIT_HEARTBEAT_INTERVAL=5s", // the least allowed
		// The stand-in processes each callback before its answer (the
		// legacy ingestion's timing): nothing to wait for after a 200.
		"INJECTKIT_OPENAEV_INGEST_WINDOW=0",
		// noop is served only when named.
		"INJECTKIT_INJECTORS=noop,nmap",
		"INJECTKIT_LOG_FORMAT=json",
		// The steps' and each callback's lines, which the tests count,
		// are DEBUG in serve.
		"INJECTKIT_LOG_LEVEL=debug",
		"XDG_STATE_HOME="+t.TempDir(), // each daemon its own outbox, as on its own host
	)
	cmd.Env = append(cmd.Env, env...)
	c := &consumer{testkit.Start(t, cmd)}
	c.Name, c.LogLines = name, 30
	return c
}

// startConsumers starts n consumers, serve-0 to serve-n-1, and waits until
// they all consume from queue.
func startConsumers(t *testing.T, p *openaevtest.Platform, queue string, n int) []*consumer {
	t.Helper()
	var cs []*consumer
	for i := range n {
		cs = append(cs, startConsumer(t, fmt.Sprintf("serve-%d", i), p.URL))
	}
	waitConsumers(t, queue, n)
	return cs
}

// stop sends SIGTERM and returns the exit code.
func (c *consumer) stop(t *testing.T) int {
	t.Helper()
	return c.Stop(t, syscall.SIGTERM, 60*time.Second)
}

// logged returns the inject ids of c's JSON log lines whose msg is msg.
func (c *consumer) logged(msg string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(c.Stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			id, _ := m["inject_id"].(string)
			out[id]++
		}
	}
	return out
}

// setup starts a platform stand-in whose registration names a fresh queue.
func setup(t *testing.T) (*openaevtest.Platform, string) {
	t.Helper()
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, token)
	return p, servetest.PlatformQueue(t, p)
}

// injects returns n noop injects lasting delay each, ids prefix-000…,
// created on the platform.
func injects(t *testing.T, p *openaevtest.Platform, prefix string, n int, delay string) (ids []string, bodies [][]byte) {
	t.Helper()
	return injectsLasting(t, p, "%s-%03d", prefix, n, func() string { return delay })
}

// injectsLasting returns n noop injects, each lasting what delay returns
// for it, ids formatted from idFormat, prefix and the index, created on
// the platform; bodies are their queue messages.
func injectsLasting(t *testing.T, p *openaevtest.Platform, idFormat, prefix string, n int, delay func() string) (ids []string, bodies [][]byte) {
	t.Helper()
	contract := openaev.ContractID("noop")
	for i := range n {
		id := fmt.Sprintf(idFormat, prefix, i)
		p.AddInject(id, contract)
		ids = append(ids, id)
		bodies = append(bodies, openaevtest.Message(openaevtest.QueuedInject{ID: id, ContractID: contract,
			Content: map[string]any{"target_selector": "manual", "targets": "127.0.0.1", "delay": delay()}}))
	}
	return ids, bodies
}

// completions counts the processed terminal callbacks per inject.
func completions(p *openaevtest.Platform) map[string]int {
	out := map[string]int{}
	for _, c := range p.AllCalls() {
		if c.Kind == openaevtest.KindComplete && c.Processed() {
			out[c.InjectID]++
		}
	}
	return out
}

func waitConsumers(t *testing.T, queue string, n int) {
	t.Helper()
	testkit.WaitFor(t, 90*time.Second, fmt.Sprintf("%d consumers on %s", n, queue), func() bool {
		_, c := servetest.Counts(t, queue)
		return c == n
	})
}

func waitAll(t *testing.T, p *openaevtest.Platform, ids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	for _, id := range ids {
		c, err := p.WaitTerminal(ctx, id)
		if err != nil {
			t.Fatalf("inject %s never completed: %v", id, err)
		}
		if !c.Processed() {
			t.Fatalf("inject %s: the platform dropped its terminal callback: %s", id, c.Reason)
		}
	}
}

// received counts the messages of inject id that cs logged as received.
func received(cs []*consumer, id string) int {
	n := 0
	for _, c := range cs {
		n += c.logged("message received")[id]
	}
	return n
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
