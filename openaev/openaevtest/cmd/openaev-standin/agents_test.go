package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// The publish route holds the primary agents of the message's assets and
// of its asset groups' endpoints, as 2.4.0 derives them
// (InjectService.getAgentsByInject: each agent once, none with a parent
// or an inject): the pending sweep then gives each a COMPLETE TIMEOUT
// trace, and a complete saved afterwards makes the inject PARTIAL, not
// EXECUTED.
func TestPublishHoldsThePrimaryAgents(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	servetest.Broker(t)
	const id = "inj-agents"
	p, stop := openaevtest.Start("tok")
	defer stop()
	noop, err := manifestsOf(builtinRegistry(), []string{"noop"})
	if err != nil {
		t.Fatal(err)
	}
	if err := register(context.Background(), p.URL, "tok", noop); err != nil {
		t.Fatal(err)
	}
	p.AddInject(id, openaev.ContractID("noop"))
	b, err := parseBroker(guestURL, "another injector")
	if err != nil {
		t.Fatal(err)
	}
	queue, err := b.DeclareQueue(standinInjectorID) // as serve's registration would
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { servetest.DeleteQueue(t, queue) })
	groups := map[string][]map[string]any{"g1": {{"asset_id": "e3",
		"asset_agents": []any{map[string]any{"agent_id": "ag4", "agent_executed_by_user": "svc"}}}}}
	p.SetAssetGroup("g1", groups["g1"]...)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /injects/{id}/publish", publishRoute(p, b, groups))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	body := `{"inject_content": {"expectations": []},
	  "assets": [
	    {"asset_id": "e1", "asset_agents": [
	      {"agent_id": "ag1", "agent_executed_by_user": "root", "agent_parent": null, "agent_inject": null},
	      {"agent_id": "ag2", "agent_executed_by_user": "root", "agent_parent": "ag1", "agent_inject": null},
	      {"agent_id": "ag3", "agent_executed_by_user": "root", "agent_parent": null, "agent_inject": "inj-caldera"}]},
	    {"asset_id": "e2", "asset_agents": [{"agent_id": "ag1", "agent_executed_by_user": "root"}]}],
	  "assetGroups": [{"asset_group_id": "g1"}]}`
	resp, err := http.Post(srv.URL+"/injects/"+id+"/publish", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: %s", resp.Status)
	}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Reception(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	p.SweepPending(time.Now().Add(p.PendingThreshold() + time.Minute))
	held, _ := p.Held(id)
	var timedOut []string
	for _, tr := range held.Traces {
		if tr.Action == "COMPLETE" && tr.Status == "TIMEOUT" {
			timedOut = append(timedOut, tr.Agent)
		}
	}
	if held.Status != "ERROR" || !slices.Equal(timedOut, []string{"ag1", "ag4"}) {
		t.Errorf("swept: %s, TIMEOUT traces of %v; want ERROR, those of the primary agents ag1 and ag4", held.Status, timedOut)
	}
	if err := c.Callback(context.Background(), id, openaev.Execution{Message: "done", Status: "SUCCESS",
		Action: openaev.ActionComplete}); err != nil {
		t.Fatal(err)
	}
	if st := p.InjectStatus(id); st != "PARTIAL" {
		t.Errorf("after the complete: %s, want PARTIAL beside the agents' TIMEOUT traces", st)
	}
}
