package openaevtest

import (
	"strings"
)

// The technical expectations an inject has, which decide where the
// platform stores a signature (rule 5; Current read, the only line that
// stores signatures; files under openaev-api/src/main/java/io/openaev/).
//
// When the platform publishes an inject to an external injector it first
// creates its expectations (Executor.executeExternal →
// InjectExpectationService.computeAndSaveExpectationsFromInjectContent,
// PR #6347): one per expectation type the inject's content lists
// (inject_content.expectations; a content without that field takes the
// contract's predefined ones, resolveExpectationsWithContractFallback; an
// empty list, none), for each asset (its own, agent IS NULL), each of its
// primary agents (AgentUtils.getPrimaryAgents: no parent, no inject; a
// Caldera implant has no expectation), each asset group (its own) and
// each endpoint of the group with its primary agents. A structured-output
// signature goes to the expectations of its type that its target names
// (appendExpectationSignatures → findTechnicalExpectationsForTarget:
// agent, else asset, else asset group); when there is none, the platform
// logs "No inject expectation found for structured signatures" and
// stores nothing: the signature is lost (Call.SignaturesUnattached).
//
// The message's asset_agents carry every agent of an asset, implants
// included, without agent_parent or agent_inject
// (EndpointMapper.toEndpointTargetOutput maps endpoint.getAgents(), and
// AgentOutput has neither field), so an injector cannot tell an implant
// from a primary agent. A test marks an implant with agent_parent or
// agent_inject in the assets it gives Platform.Message, which writes the
// message without them.
//
// Not modelled: the newest line (AbstractTechnicalBehavior) creates an
// agent's expectations only for its active agents (AgentUtils
// .getActiveAgents: primary, agent.isActive(), no ERROR or AGENT_INACTIVE
// trace of it for the inject), and computes the platform's signatures on
// the asset's own expectation when none is (isAgentlessAssetExpectation
// Necessary); here every primary agent has its expectations, whatever its
// agent_active, so a signature naming an inactive agent is stored where
// that platform would find no expectation for it.
//
// The stand-in knows an inject's expectations only once Platform.Message
// wrote its message (a test's, or the stand-in command's publish route);
// before that, as for an inject created with AddInject alone, every
// signature naming an agent, asset or asset group is stored, as if each
// had its expectations.
type targetExpectations struct {
	types   map[string]bool // the expectation types created
	targets []Expectation   // the targets that have them
}

// expectationsOfLocked returns the technical expectations the platform
// creates for in, published with q's content, assets and asset groups
// (the asset groups' endpoints are those SetAssetGroup gave).
func (p *Platform) expectationsOfLocked(in *inject, q QueuedInject) *targetExpectations {
	x := &targetExpectations{types: map[string]bool{}}
	if list, ok := q.Content["expectations"]; ok && list != nil {
		for _, m := range objects(list) {
			if t, ok := m["expectation_type"].(string); ok {
				x.types[t] = true
			}
		}
	} else if ce, ok := p.expectations[in.contract]; ok {
		for _, t := range ce.Predefined {
			x.types[t] = true
		}
	}
	endpoint := func(e map[string]any, group string) {
		id := assetID(e)
		if id == "" {
			return
		}
		x.targets = append(x.targets, Expectation{Asset: id, AssetGroup: group})
		for _, a := range endpointAgents(e) {
			if aid, _ := a["agent_id"].(string); strings.TrimSpace(aid) != "" && primary(a) {
				x.targets = append(x.targets, Expectation{Agent: aid, Asset: id, AssetGroup: group})
			}
		}
	}
	for _, a := range q.Assets {
		endpoint(a, "")
	}
	for _, g := range q.AssetGroups {
		gid, _ := g["asset_group_id"].(string)
		if gid == "" {
			continue
		}
		x.targets = append(x.targets, Expectation{AssetGroup: gid})
		for _, e := range managed(p.groups[gid]) {
			endpoint(e, gid)
		}
	}
	return x
}

// objects returns the objects of a list a test wrote ([]any or
// []map[string]any).
func objects(list any) []map[string]any {
	switch l := list.(type) {
	case []map[string]any:
		return l
	case []any:
		var out []map[string]any
		for _, it := range l {
			if m, ok := it.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// assetID is an endpoint's id as the platform holds it: asset_id, or
// the endpoint_id some tests write.
func assetID(e map[string]any) string {
	for _, k := range []string{"asset_id", "endpoint_id"} {
		if id, _ := e[k].(string); strings.TrimSpace(id) != "" {
			return id
		}
	}
	return ""
}

// has reports whether the platform finds an expectation to store s on.
// A nil x (the inject's expectations unknown) has every one.
func (x *targetExpectations) has(s Signature) bool {
	if x == nil {
		return true
	}
	if !x.types[s.ExpectationType] {
		return false
	}
	for _, e := range x.targets {
		if attaches(s, e) {
			return true
		}
	}
	return false
}

// attachable splits sigs into those the platform stores on in's
// expectations and those it finds none for.
func (in *inject) attachable(sigs []Signature) (kept, unattached []Signature) {
	if in.expected == nil {
		return sigs, nil
	}
	for _, s := range sigs {
		if in.expected.has(s) {
			kept = append(kept, s)
		} else {
			unattached = append(unattached, s)
		}
	}
	return kept, unattached
}
