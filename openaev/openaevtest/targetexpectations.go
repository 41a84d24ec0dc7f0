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
// Caldera implant has no expectation; the newest line, its active ones
// only: below), each asset group (its own) and
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
// Which agents have expectations depends on the line. Version24 (which
// stores no signature: the stand-in keeps the expectations for its
// bookkeeping alone) keeps every primary agent, as the build of PR #6347
// above does. Current, the newest line read, creates them through the expectation behaviours
// (InjectExpectationService.doComputeAndSaveExpectationsUsingBehaviors →
// service/expectation/AbstractTechnicalBehavior
// .initializeAndSaveInjectExpectationsFromExecutableInject, once per
// expectation type): per asset, an expectation for each of its active
// agents only (utils/AgentUtils.getActiveAgents → isValidAgent: primary,
// agent.isActive(), and no trace of the agent for the inject with status
// ERROR, AGENT_INACTIVE or AGENT_OVERLOADED, hasOnlyValidTraces), then
// its own, alike under each of its asset groups. So on Current a
// signature naming an inactive agent finds no expectation and is lost
// (Call.SignaturesUnattached), while one naming the asset alone is stored
// on the asset's own. An asset with no active agent is skipped whole
// unless utils/ExpectationUtils.isAgentlessAssetExpectationNecessary
// holds: for an endpoint, when the inject does not run through agents
// (injectRunsThroughAgents: the contract's injector_contract_needs_executor,
// else the injector's payloads) and getActiveAgents finds none; the
// stand-in's contracts never need an executor (registration binds no
// contract_needs_executor, InjectorContract's default false), so such an
// asset keeps its own expectation, which is then a leaf: the platform
// computes its signatures on it at publish (ownsignatures.go). An inject
// without a contract falls back on its injector's payloads there: not
// modelled (taken as one with a contract). An earlier build
// (ExpectationUtils at 07e84ee: an injector without payloads and
// endpoint.getAgents().isEmpty()) left an asset whose agents are all
// inactive no expectation at all, which the newest one's comment names as
// the bug it fixes: not modelled.
//
// The message tells an agent's activeness: AgentMapper.toAgentOutput sets
// AgentOutput's agent_active from agent.isActive(), the same call
// getActiveAgents makes, a primitive boolean written for every agent
// (EndpointMapper.toEndpointTargetOutput, the message's assets), read at
// publish right after the expectations are created (Executor
// .executeExternal). An agent a test gives without agent_active counts as
// active (the platform always writes it). The traces getActiveAgents
// reads name no agent in the stand-in but rule 17's TIMEOUT ones, which it
// does not count, so agent_active alone decides.
//
// The stand-in knows an inject's expectations only once Platform.Message
// wrote its message (a test's, or the stand-in command's publish route);
// before that, as for an inject created with AddInject alone, every
// signature naming an agent, asset or asset group is stored, as if each
// had its expectations.
type targetExpectations struct {
	types   map[string]bool // the expectation types created
	targets []Expectation   // the targets that have them
	// leaves are the assets whose own expectation is a leaf on Current
	// (no active agent: isAgentlessAssetExpectationNecessary), which the
	// platform signs at publish.
	leaves map[string]bool
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
		agents := 0
		for _, a := range endpointAgents(e) {
			if aid, _ := a["agent_id"].(string); strings.TrimSpace(aid) != "" && p.hasExpectationsLocked(a) {
				x.targets = append(x.targets, Expectation{Agent: aid, Asset: id, AssetGroup: group})
				agents++
			}
		}
		if agents == 0 && p.version != Version24 {
			if x.leaves == nil {
				x.leaves = map[string]bool{}
			}
			x.leaves[id] = true
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

// hasExpectationsLocked reports whether the platform creates expectations
// for agent a of an inject's asset: a primary agent on Version24
// (getPrimaryAgents), an active one too on Current (getActiveAgents).
func (p *Platform) hasExpectationsLocked(a map[string]any) bool {
	return primary(a) && (p.version == Version24 || active(a))
}

// active reports whether agent a is active as the message writes it:
// agent_active not false (left out, a test's shorthand: active).
func active(a map[string]any) bool {
	v, ok := a["agent_active"]
	return !ok || v != false
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
