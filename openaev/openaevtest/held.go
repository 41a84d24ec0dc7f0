package openaevtest

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Held is what the platform holds for an inject, as an operator reads it
// back after a run: its status and traces, the signatures stored per
// target with how often each arrived (a "data" callback sent twice sends
// its signatures twice; the platform stores them once), the findings rows,
// and the callbacks it took, dropped or refused.
type Held struct {
	InjectID   string `json:"inject_id"`
	Status     string `json:"status"`
	Reopenings int    `json:"reopenings"`
	// Traces are the inject's execution traces, in order.
	Traces []HeldTrace `json:"traces"`
	// Signatures are the distinct signatures stored, sorted by target
	// (agent, asset, asset group), then expectation type, type and value.
	Signatures []HeldSignature `json:"signatures"`
	// Stored counts the signatures stored, each once (rule 5),
	// Duplicates those its callbacks sent again to expectations that held
	// them already (Call.SignaturesRepeated), stored no second time.
	Stored     int `json:"signatures_stored"`
	Duplicates int `json:"signatures_duplicated"`
	// Unattached counts the signatures of its processed callbacks the
	// platform found no expectation for, and so did not store
	// (Call.SignaturesUnattached).
	Unattached int `json:"signatures_unattached"`
	// Findings are the findings rows, in the order stored, each with the
	// assets it is linked to.
	Findings []FindingRow `json:"findings"`
	// Callbacks counts the inject's calls by kind and outcome
	// ("data processed", "complete dropped", "trace refused 503").
	Callbacks map[string]int `json:"callbacks"`
}

// HeldTrace is one execution trace of an inject.
type HeldTrace struct {
	Status  string `json:"status"`
	Action  string `json:"action"`
	Message string `json:"message"`
	// Agent is the agent the trace names (the pending sweep's), "" for
	// an injector's callback.
	Agent string `json:"agent,omitempty"`
}

// HeldSignature is one signature stored for an inject, and how many
// times it arrived: once stored, then each repeat.
type HeldSignature struct {
	Agent           string `json:"agent,omitempty"`
	Asset           string `json:"asset,omitempty"`
	AssetGroup      string `json:"asset_group,omitempty"`
	ExpectationType string `json:"expectation_type"`
	Type            string `json:"type"`
	Value           string `json:"value"`
	Count           int    `json:"count"`
}

// Injects returns the ids of the injects the platform knows, sorted.
func (p *Platform) Injects() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.injects))
}

// Held returns what the platform holds for inject id; ok is false when it
// knows no such inject.
func (p *Platform) Held(id string) (h Held, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[id]
	if in == nil {
		return Held{}, false
	}
	h = Held{InjectID: id, Status: in.status, Reopenings: in.reopenings, Traces: []HeldTrace{},
		Findings: cloneRows(in.rows), Callbacks: map[string]int{}, Stored: len(in.signatures)}
	for _, t := range in.traces {
		h.Traces = append(h.Traces, HeldTrace{Status: t.status, Action: t.action, Message: t.message, Agent: t.agent})
	}
	counts := map[Signature]int{}
	for _, s := range in.signatures {
		counts[s]++
	}
	for _, c := range p.calls {
		if c.InjectID != id {
			continue
		}
		h.Unattached += len(c.SignaturesUnattached)
		h.Duplicates += len(c.SignaturesRepeated)
		for _, s := range c.SignaturesRepeated {
			if _, ok := counts[s]; ok {
				counts[s]++
			}
		}
		outcome := c.Outcome
		if !c.Accepted() {
			outcome = "refused " + strconv.Itoa(c.Status)
		}
		h.Callbacks[c.Kind+" "+cmp.Or(outcome, "answered")]++
	}
	h.Signatures = make([]HeldSignature, 0, len(counts))
	for s, n := range counts {
		h.Signatures = append(h.Signatures, HeldSignature{Agent: s.Agent, Asset: s.Asset, AssetGroup: s.AssetGroup,
			ExpectationType: s.ExpectationType, Type: s.Type, Value: s.Value, Count: n})
	}
	slices.SortFunc(h.Signatures, func(a, b HeldSignature) int {
		return cmp.Or(cmp.Compare(a.Agent, b.Agent), cmp.Compare(a.Asset, b.Asset), cmp.Compare(a.AssetGroup, b.AssetGroup),
			cmp.Compare(a.ExpectationType, b.ExpectationType), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Value, b.Value))
	})
	return h, true
}
