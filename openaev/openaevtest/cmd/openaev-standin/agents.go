package main

import (
	"strings"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// primaryAgents returns the agents OpenAEV 2.4.0's pending sweep gives a
// TIMEOUT trace for an inject published with assets and asset groups
// (InjectService.getAgentsByInject, InjectService.java:963-986): the
// agents (asset_agents) of each asset, then of each endpoint of each
// asset group (groups, by id: the -asset-groups file's), each agent once,
// those alone that are primary (AgentUtils.isPrimaryAgent: no
// agent_parent and no agent_inject, which only Caldera's implants have).
// The platform's message carries every agent of an asset as AgentOutput
// writes it, without a parent or an inject (Executor.executeExternal →
// ExecutableInjectDTOMapper → EndpointMapper.toEndpointTargetOutput): a
// published asset's agent_parent or agent_inject is the stand-in's own
// mark of an implant; an -asset-groups file's agents carry neither
// (AgentOutput's keys only), so all of theirs are primary.
func primaryAgents(assets, assetGroups []map[string]any, groups map[string][]map[string]any) []openaevtest.Agent {
	var agents []openaevtest.Agent
	seen := map[string]bool{}
	add := func(endpoint map[string]any) {
		list, _ := endpoint["asset_agents"].([]any)
		for _, a := range list {
			agent, _ := a.(map[string]any)
			id, _ := agent["agent_id"].(string)
			if strings.TrimSpace(id) == "" || seen[id] || agent["agent_parent"] != nil || agent["agent_inject"] != nil {
				continue
			}
			seen[id] = true
			user, _ := agent["agent_executed_by_user"].(string)
			agents = append(agents, openaevtest.Agent{ID: id, ExecutedByUser: user})
		}
	}
	for _, a := range assets {
		add(a)
	}
	for _, g := range assetGroups {
		id, _ := g["asset_group_id"].(string)
		for _, e := range groups[id] {
			add(e)
		}
	}
	return agents
}
