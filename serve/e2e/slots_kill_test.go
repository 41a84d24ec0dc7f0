package e2e_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// TestIntegrationKilledWhileResultsWaitForADeliverySlot kills a daemon of
// two workers and one delivery slot while the platform answers 503 to
// every "complete": the slot posts the first result, its attempts going
// on for seconds, and the two other injects that ran meanwhile wait for
// the slot. Their results must be stored, and their messages
// acknowledged, before they wait: another daemon of the queue, started
// once the first is killed, must not get their messages and run those
// injects a second time (see takeOver).
func TestIntegrationKilledWhileResultsWaitForADeliverySlot(t *testing.T) {
	p, queue := setup(t)
	ids, bodies := injects(t, p, "slots-kill", 4, "0s")
	for _, id := range ids {
		p.FailComplete(id, 503, 1000)
	}
	state := t.TempDir() // the first daemon's outbox, kept across its restart
	slots := []string{"INJECTKIT_WORKERS=2", "INJECTKIT_DELIVERY_SLOTS=1"}
	first := startConsumer(t, "serve-first", p.URL, append(slots, "XDG_STATE_HOME="+state)...)
	waitConsumers(t, queue, 1)
	servetest.Publish(t, queue, bodies...)

	// Three injects run (the prefetch is three: the fourth waits for a
	// worker). Once the three results are in the outbox, and the slot's
	// "complete" was tried again (1 s after the first: their messages'
	// acknowledgements, sent once each is stored, have reached the
	// broker), the daemon is killed. A daemon that stores a result only
	// once it holds the slot has stored one: it is killed while the
	// slot's "complete" is tried a third time (2 s after the second), the
	// two others still waiting (the attempts end 4 s later).
	testkit.WaitFor(t, 60*time.Second, "three injects run by the first daemon", func() bool {
		return len(first.logged("executed")) >= 3
	})
	testkit.WaitFor(t, 60*time.Second, "three results stored and a complete tried twice, or tried three times", func() bool {
		tried := kindCalls(p, openaevtest.KindComplete)
		return tried >= 2 && pendingBodies(t, first) >= 3 || tried >= 3
	})
	ran := first.logged("executed")
	second := takeOver(t, p, queue, state, first, ids, slots...)
	var twice []string
	for _, id := range ids {
		if n := calls(p, id, openaevtest.KindReception); n != 1 {
			twice = append(twice, fmt.Sprintf("%s×%d", id, n))
		}
	}
	if len(twice) > 0 {
		t.Errorf("injects received more than once: %v, want none: run again by another daemon while their results "+
			"waited for a delivery slot in the killed daemon (it ran %v, the second daemon %v)", twice, ran, second.logged("executed"))
	}
	if done := completions(p); len(duplicates(done)) > 0 || len(done) != len(ids) {
		t.Errorf("completions %v, want each of %v once", done, ids)
	}
}

// kindCalls counts the platform's calls of kind, whatever their inject
// and outcome.
func kindCalls(p *openaevtest.Platform, kind string) int {
	n := 0
	for _, c := range p.AllCalls() {
		if c.Kind == kind {
			n++
		}
	}
	return n
}

// pendingBodies is c's injectkit_outbox_bodies{state="pending"}, read
// from its /metrics (the address its start line gives), or -1 while it
// cannot be read.
func pendingBodies(t *testing.T, c *consumer) int {
	t.Helper()
	addr := ""
	for _, line := range strings.Split(c.Stderr.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "serving /healthz and /metrics" {
			addr, _ = m["addr"].(string)
		}
	}
	if addr == "" {
		return -1
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "injectkit_outbox_bodies{") && strings.Contains(line, `"pending"`) {
			if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
				return int(v)
			}
		}
	}
	return -1
}
