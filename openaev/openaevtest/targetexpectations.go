package openaevtest

import (
	"slices"
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
// bookkeeping alone) keeps every primary agent and every asset group's
// own, as the build of PR #6347 above does. Current, the newest line read
// (OpenAEV-Platform/openaev, the index's newest copies of
// service/expectation/AbstractTechnicalBehavior.java, utils/AgentUtils.java,
// utils/ExpectationUtils.java, executors/Executor.java), creates them
// through the expectation behaviours
// (InjectExpectationService.doComputeAndSaveExpectationsUsingBehaviors →
// AbstractTechnicalBehavior
// .initializeAndSaveInjectExpectationsFromExecutableInject, once per
// expectation type), per asset to execute:
//
//   - its valid agents (AgentUtils.getActiveAgents → isValidAgent: a
//     primary agent, agent.isActive(), and hasOnlyValidTraces: no trace of
//     the agent in the inject's status with status ERROR, AGENT_INACTIVE or
//     AGENT_OVERLOADED). The status is the one Executor.execute has just
//     set EXECUTING (InjectStatusService.initializeInjectStatus keeps an
//     existing status and its traces); for a contract that needs an
//     executor, ExecutionExecutorService.launchExecutorContext has then
//     added an AGENT_INACTIVE trace for each inactive agent, an ERROR one
//     for each agent without executor and an AGENT_OVERLOADED one for each
//     overloaded agent, before the expectations are computed
//     (executeExternal; executorTracesLocked writes the AGENT_INACTIVE
//     ones). Such a trace outlives a later execution of the inject that
//     does not clean it, and drops the agent then even once it is active
//     again. For any other contract, every contract of an external
//     injector among them, no such trace is written before publish:
//     Launch cleans the status (rule 17), and the only other traces naming
//     an agent the stand-in writes are the sweep's TIMEOUT ones, which
//     hasOnlyValidTraces does not count. So for injectkit's contracts
//     agent_active alone decides.
//   - its own expectation, beside its agents', or alone when it has no
//     valid agent and ExpectationUtils.isAgentlessAssetExpectationNecessary
//     holds: for an endpoint, when the inject does not run through agents
//     (injectRunsThroughAgents: the contract's
//     injector_contract_needs_executor, getNeedsExecutorEffective) and
//     getActiveAgents finds none. That own expectation is then a leaf: the
//     platform computes its signatures on it at publish (ownsignatures.go).
//     An asset with no valid agent whose contract needs an executor is
//     skipped whole: no expectation of its own, none of its agents'
//     (SetContractNeedsExecutor marks such a contract; registration never
//     does). An inject without a contract falls back on its injector's
//     payloads there: not modelled (taken as one with a contract).
//   - alike under each of its asset groups, and each group's own created
//     once, after every asset was walked, and only for a group one of
//     whose assets produced an expectation (assetGroupsToInitialize): a
//     group without endpoints, or whose endpoints were all skipped, has
//     none, and a signature naming the group alone is lost.
//
// So on Current a signature naming an inactive agent finds no expectation
// and is lost (Call.SignaturesUnattached), while one naming the asset
// alone is stored on the asset's own. An earlier build (ExpectationUtils
// at 07e84ee: an injector without payloads and
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
// active (the platform always writes it). The message says nothing of an
// agent's traces.
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
	// reached indexes targets by what a signature's target resolves to
	// (attaches): the agents, the assets' own and the groups' own. Built
	// by has at its first call, once targets is complete: a walk of
	// targets per signature made a callback of an inject of many assets
	// quadratic (16 000 assets: 2 s of its 6.7 s).
	reached map[Expectation]bool
}

// expectationsOfLocked returns the technical expectations the platform
// creates for in, published with q's content, assets and asset groups
// (the asset groups' endpoints are those SetAssetGroup gave).
func (p *Platform) expectationsOfLocked(in *inject, q QueuedInject) *targetExpectations {
	x := &targetExpectations{types: map[string]bool{}, leaves: map[string]bool{}}
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
	current, needsExecutor := p.version != Version24, p.needsExecutor[in.contract]
	// endpoint appends the expectations of endpoint e under group ("":
	// one of the inject's own assets) and reports whether it has any.
	endpoint := func(e map[string]any, group string) bool {
		id := assetID(e)
		if id == "" {
			return false
		}
		var agents []string
		for _, a := range endpointAgents(e) {
			if aid, _ := a["agent_id"].(string); strings.TrimSpace(aid) != "" && p.hasExpectationsLocked(in, a) {
				agents = append(agents, aid)
			}
		}
		// isAgentlessAssetExpectationNecessary: no active agent, and a
		// contract that does not need an executor; an asset with no active
		// agent whose contract needs one is skipped whole.
		agentless := current && len(agents) == 0
		if agentless && needsExecutor {
			return false
		}
		for _, aid := range agents {
			x.targets = append(x.targets, Expectation{Agent: aid, Asset: id, AssetGroup: group})
		}
		x.targets = append(x.targets, Expectation{Asset: id, AssetGroup: group})
		if agentless {
			x.leaves[id] = true
		}
		return true
	}
	for _, a := range q.Assets {
		endpoint(a, "")
	}
	for _, g := range q.AssetGroups {
		gid, _ := g["asset_group_id"].(string)
		if gid == "" {
			continue
		}
		produced := false
		// Current walks every asset of the group (resolveAllAssetsToExecute
		// → assetsFromAssetGroup); Version24's read kept the endpoints the
		// targets search returns.
		eps := p.groups[gid]
		if !current {
			eps = managed(eps)
		}
		for _, e := range eps {
			if endpoint(e, gid) {
				produced = true
			}
		}
		// On Current the group's own is created once, after its assets,
		// and only when one of them produced an expectation.
		if produced || !current {
			x.targets = append(x.targets, Expectation{AssetGroup: gid})
		}
	}
	return x
}

// hasExpectationsLocked reports whether the platform creates expectations
// for agent a of an inject's asset: a primary agent on Version24
// (getPrimaryAgents); on Current a valid one (getActiveAgents →
// isValidAgent): primary, active, and no trace of it for the inject
// with a status hasOnlyValidTraces refuses.
func (p *Platform) hasExpectationsLocked(in *inject, a map[string]any) bool {
	if !primary(a) {
		return false
	}
	if p.version == Version24 {
		return true
	}
	aid, _ := a["agent_id"].(string)
	return active(a) && in.validTraces(aid)
}

// invalidTraceStatuses are the statuses of an agent's trace for which
// AgentUtils.hasOnlyValidTraces leaves the agent out.
var invalidTraceStatuses = map[string]bool{"ERROR": true, "AGENT_INACTIVE": true, "AGENT_OVERLOADED": true}

// validTraces reports whether in's status holds no trace of agent aid
// with one of invalidTraceStatuses (hasOnlyValidTraces; no status: true).
func (in *inject) validTraces(aid string) bool {
	for _, t := range in.traces {
		if t.agent == aid && invalidTraceStatuses[t.status] {
			return false
		}
	}
	return true
}

// executorTracesLocked writes the traces ExecutionExecutorService
// .launchExecutorContext adds on Current before an inject whose contract
// needs an executor is published (Executor.execute, then executeExternal
// creates the expectations): a COMPLETE trace of status AGENT_INACTIVE
// naming each inactive primary agent of the inject's assets and of its
// groups' assets, once per agent (saveInactiveAgentsTraces: "Agent
// <executed by user> is inactive for the asset <name>"), which rule 8
// leaves out of the status. The ASSET_AGENTLESS traces of agentless assets
// and the ERROR and AGENT_OVERLOADED ones of agents without executor or
// overloaded are not modelled: the message says nothing of an agent's
// executor or load.
func (p *Platform) executorTracesLocked(in *inject, q QueuedInject) {
	if p.version == Version24 || !p.needsExecutor[in.contract] {
		return
	}
	endpoints := slices.Clone(q.Assets)
	for _, g := range q.AssetGroups {
		gid, _ := g["asset_group_id"].(string)
		endpoints = append(endpoints, p.groups[gid]...)
	}
	seen := map[string]bool{}
	for _, e := range endpoints {
		name, _ := e["asset_name"].(string)
		for _, a := range endpointAgents(e) {
			aid, _ := a["agent_id"].(string)
			if strings.TrimSpace(aid) == "" || seen[aid] || !primary(a) || active(a) {
				continue
			}
			seen[aid] = true
			user, _ := a["agent_executed_by_user"].(string)
			in.traces = append(in.traces, trace{message: "Agent " + user + " is inactive for the asset " + name,
				action: "COMPLETE", status: "AGENT_INACTIVE", agent: aid})
			in.completes = append(in.completes, "AGENT_INACTIVE")
		}
	}
}

// SetContractNeedsExecutor marks a contract as one whose
// injector_contract_needs_executor is true: the payload contracts the
// platform builds for itself (setInjectorContractPropertyBasedOnPayload).
// An external injector's registration cannot set it
// (InjectorContractInput binds no such field, and the column defaults to
// false), so no contract injectkit registers needs an executor. On Current
// an asset of such a contract's inject with no active agent has no
// expectation at all, and an asset group none when that holds for each of
// its assets (targetexpectations.go's comment).
func (p *Platform) SetContractNeedsExecutor(contractID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.needsExecutor == nil {
		p.needsExecutor = map[string]bool{}
	}
	p.needsExecutor[contractID] = true
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
	if x.reached == nil {
		x.reached = make(map[Expectation]bool, len(x.targets))
		for _, e := range x.targets {
			x.reached[reachedBy(e)] = true
		}
	}
	return x.reached[reachedBy(Expectation{Agent: s.Agent, Asset: s.Asset, AssetGroup: s.AssetGroup})]
}

// reachedBy keys expectation e by what attaches resolves a signature's
// target to: its agent alone, else its asset alone, else its group. A
// signature's target (as an Expectation) reaches e when both keys are
// equal.
func reachedBy(e Expectation) Expectation {
	switch {
	case e.Agent != "":
		return Expectation{Agent: e.Agent}
	case e.Asset != "":
		return Expectation{Asset: e.Asset}
	}
	return Expectation{AssetGroup: e.AssetGroup}
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
