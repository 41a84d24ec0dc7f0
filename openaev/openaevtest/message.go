package openaevtest

import (
	"encoding/json"
	"fmt"
)

// QueuedInject is an inject as the platform queues it for an injector:
// Message encodes it.
type QueuedInject struct {
	ID         string // inject_id
	Title      string // inject_title, left out when empty
	ContractID string // inject_injector_contract.injector_contract_id
	// Content is inject_content: the target selector, the contract's
	// fields, the expectations. Left out when nil.
	Content map[string]any
	// Assets and AssetGroups are the message's assets and assetGroups,
	// each left out when nil.
	Assets, AssetGroups []map[string]any
}

// Message returns the queue message of the inject, as the platform writes
// it: {"injection": {...}, "assets": [...], "assetGroups": [...]}. It
// panics when Content, Assets or AssetGroups hold a value encoding/json
// cannot encode, a mistake of the test that built it.
func Message(in QueuedInject) []byte {
	injection := map[string]any{"inject_id": in.ID,
		"inject_injector_contract": map[string]any{"injector_contract_id": in.ContractID}}
	if in.Title != "" {
		injection["inject_title"] = in.Title
	}
	if in.Content != nil {
		injection["inject_content"] = in.Content
	}
	m := map[string]any{"injection": injection}
	if in.Assets != nil {
		m["assets"] = in.Assets
	}
	if in.AssetGroups != nil {
		m["assetGroups"] = in.AssetGroups
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("openaevtest.Message of %s: %v", in.ID, err))
	}
	return b
}
