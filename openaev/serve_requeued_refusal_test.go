package openaev_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// heldPaging holds the first asset-group page request (POST
// /api/endpoints/targets) until gate closes, arrived closed once it came.
type heldPaging struct {
	once    sync.Once
	arrived chan struct{}
	gate    chan struct{}
}

func (h *heldPaging) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == "/api/endpoints/targets" {
		first := false
		h.once.Do(func() { first = true })
		if first {
			close(h.arrived)
			<-h.gate
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestIntegrationServeShutdownRequeuedRefusalSendsNothing: daemon A's
// shutdown timeout passes while it lists an inject's asset group; its
// message goes back to the queue. The platform then refuses the listing
// for good (403): A's handling ends in a refusal of the inject, which is
// dropped like a run's result, neither stored nor sent (one WARN naming
// the inject), with or without an outbox: daemon B, taking the requeued
// message, lists the group again, is refused again, and its ERROR is the
// one the platform processes. Before, A's ERROR was stored and sent too
// (a refusal did not ask serve.Executed): the platform got two terminal
// callbacks of one inject, the first from a handling given up.
func TestIntegrationServeShutdownRequeuedRefusalSendsNothing(t *testing.T) {
	for _, durable := range []bool{true, false} {
		name := map[bool]string{true: "outbox", false: "outbox none"}[durable]
		t.Run(name, func(t *testing.T) {
			broker, queue := integration(t)
			const id = "i-1"
			hold := &heldPaging{arrived: make(chan struct{}), gate: make(chan struct{})}
			var release sync.Once
			open := func() { release.Do(func() { close(hold.gate) }) }
			t.Cleanup(open)
			a := newServeEnv(t, serveOpts{outbox: durable, httpClient: &http.Client{Transport: hold}})
			a.platform.SetAssetGroup("g", asset("asset", "a1", "", "192.0.2.1", nil, "ag"))
			body := a.message(t, id, "nmap", map[string]any{"target_selector": "asset-groups"}, nil,
				[]map[string]any{{"asset_group_id": "g", "asset_group_name": "Servers"}})
			a.platform.FailTargets(http.StatusForbidden, 2) // A's listing, then B's
			ha := requeueWhileHeld(t, a, broker, queue, body, hold.arrived, "the asset group was listed")
			open() // the platform refuses A's listing, after its message was requeued
			<-ha.returned
			if durable {
				if got := a.records(t); len(got) != 0 {
					t.Errorf("A's outbox holds %v: the refusal of a handling whose message was requeued was stored", got)
				}
			}
			testkit.WaitFor(t, testkit.Hang, "the line settling the message", func() bool {
				return a.logs.FilterMessageSnippet("this handling's refusal of the inject").Len()+
					a.logs.FilterMessageSnippet("handled after the shutdown requeued the message").Len() > 0
			})
			warned := a.logs.FilterMessageSnippet("this handling's refusal of the inject (which did not run) is dropped").All()
			if len(warned) != 1 || warned[0].ContextMap()["inject_id"] != id {
				t.Errorf("logged %v, want one WARN naming %s", warned, id)
			}
			if _, sent := a.platform.Terminal(id); sent {
				t.Errorf("A's refusal reached the platform: %v", a.platform.Calls(id))
			}

			db, _ := a.daemon(t, broker, queue)
			db.Handler = daemonB(t, a, durable)
			runB := testkit.Go(t, "Run B", db.Run)
			ctx, cancel := context.WithTimeout(t.Context(), testkit.Hang)
			defer cancel()
			if err := a.platform.WaitFor(ctx, func() bool { _, sent := a.platform.Terminal(id); return sent }); err != nil {
				t.Fatalf("B's ERROR not processed: %v", err)
			}
			if err := runB.Stop(t); err != nil {
				t.Fatalf("Run B = %v", err)
			}
			if durable {
				if res, err := flushAgain(t, a).Flush(ctx); err != nil || res != (outbox.FlushResult{}) {
					t.Errorf("A's flush: %+v, %v; want nothing to send", res, err)
				}
			}
			// Processed by the platform: B's ERROR alone.
			if done := a.platform.Completions(id); len(done) != 1 || done[0].Body["execution_status"] != "ERROR" {
				t.Errorf("completes of %s the platform processed: %v, want B's ERROR alone", id, done)
			}
			if n := len(a.platform.CallsOf(openaevtest.KindComplete)); n != 1 {
				t.Errorf("%d terminal callbacks posted, want B's alone", n)
			}
			if n := a.nmap.calls.Load(); n != 0 {
				t.Errorf("nmap ran %d times", n)
			}
		})
	}
}
