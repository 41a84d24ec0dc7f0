package main

import (
	"fmt"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// largeAssets returns the assets of inject number i of a run whose
// messages are to weigh about size bytes: endpoints shaped as the 2.4.0
// platform writes them into a queued inject (ExecutableInjectDTOMapper
// maps each asset to an EndpointTargetOutput: asset_id, endpoint_hostname,
// endpoint_ips, endpoint_seen_ip and asset_agents, each agent an
// AgentOutput), one agent each, added until the message reaches size. Their
// addresses are loopback ones (127.0.0.0/8), which the noop injector reads
// and never contacts. It returns the assets and the message.
func largeAssets(id, title, contract string, size int) ([]map[string]any, []byte) {
	content := map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip"}
	msg := func(assets []map[string]any) []byte {
		return openaevtest.Message(openaevtest.QueuedInject{ID: id, Title: title, ContractID: contract,
			Content: content, Assets: assets})
	}
	one := asset(id, 0)
	per := len(msg([]map[string]any{one, one})) - len(msg([]map[string]any{one}))
	n := max(1, (size-len(msg(nil)))/per)
	assets := make([]map[string]any, n)
	for k := range assets {
		assets[k] = asset(id, k)
	}
	// The later assets' addresses are longer than the first's: fewer of
	// them, until the message is within size.
	body := msg(assets)
	for len(body) > size && len(assets) > 1 {
		assets = assets[:max(1, len(assets)-(len(body)-size)/per-1)]
		body = msg(assets)
	}
	return assets, body
}

// asset is endpoint k of inject id: its own id, host name, addresses
// (198.18.0.0/15, the k-th after 198.18.0.0; k below 131071) and agent.
func asset(id string, k int) map[string]any {
	ip := fmt.Sprintf("198.%d.%d.%d", 18+(k+1)>>16&1, (k+1)>>8&0xff, (k+1)&0xff)
	return map[string]any{
		"asset_id":          fmt.Sprintf("%s-asset-%06d", id, k),
		"endpoint_hostname": fmt.Sprintf("ws-%06d.corp.example.internal", k),
		"endpoint_ips":      []string{ip, fmt.Sprintf("fe80::%x", k+1)},
		"endpoint_seen_ip":  ip,
		"asset_agents": []map[string]any{{
			"agent_id": fmt.Sprintf("%s-agent-%06d", id, k), "agent_executed_by_user": "root",
			"agent_privilege": "admin", "agent_deployment_mode": "service", "agent_active": true,
		}},
	}
}
