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
// it: {"injection": {...}, "assets": [...], "assetGroups": [...]}, its
// keys in the platform's order (Jackson writes a class's properties in
// their declared order: ExecutableInjectDTO's injection, assets,
// assetGroups; the inject's inject_id, inject_title, inject_content, then
// inject_injector_contract), so that the inject id comes first however
// large the rest. It panics when Content, Assets or AssetGroups hold a
// value encoding/json cannot encode, a mistake of the test that built it.
// Assets are written as given; TargetOutput gives one as the platform
// writes it (its endpoint_ips filtered and in its set's order).
func Message(in QueuedInject) []byte {
	type contract struct {
		ID string `json:"injector_contract_id"`
	}
	type injection struct {
		ID       string          `json:"inject_id"`
		Title    string          `json:"inject_title,omitempty"`
		Content  *map[string]any `json:"inject_content,omitempty"`
		Contract contract        `json:"inject_injector_contract"`
	}
	m := struct {
		Injection   injection         `json:"injection"`
		Assets      *[]map[string]any `json:"assets,omitempty"`
		AssetGroups *[]map[string]any `json:"assetGroups,omitempty"`
	}{Injection: injection{ID: in.ID, Title: in.Title, Contract: contract{in.ContractID}}}
	// Left out when nil only: an empty list or object is written.
	if in.Content != nil {
		m.Injection.Content = &in.Content
	}
	if in.Assets != nil {
		m.Assets = &in.Assets
	}
	if in.AssetGroups != nil {
		m.AssetGroups = &in.AssetGroups
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("openaevtest.Message of %s: %v", in.ID, err))
	}
	return b
}
