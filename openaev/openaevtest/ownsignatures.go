// How the platform holds an inject's expectation signatures (rule 5 of
// the package doc, in detail; Current read, files under openaev-api/src/
// main/java/io/openaev/):
//
//   - Its own, at publish. Before it publishes an inject to an external
//     injector the platform creates the inject's expectations
//     (Executor.executeExternal → InjectExpectationService
//     .computeAndSaveExpectationsFromInjectContent, with the injector's
//     type as implant type) and computes signatures on each leaf
//     (ExpectationUtils.computeSignatures): an agent's expectation gets
//     parent_process_name "<injector type><inject id>-agent-<agent id>",
//     source_ipv4_address or source_ipv6_address for each of its
//     endpoint's IPs (endpoint_ips, then endpoint_seen_ip; a value that is
//     no IP gives none; the current line's Asset names them asset_ips and
//     asset_seen_ip, the endpoint_* columns moved up to it and renamed, and
//     the stand-in reads an endpoint's in either spelling: the platform
//     computes them from the asset, not from a message's words), and
//     target signatures for the values of the
//     contract's targeted-asset fields (getValueTargetedAssetMap, not
//     modelled: the stand-in's injects resolve none at publish, and
//     injectkit's contracts hold no such field,
//     TestContractsHoldNoTargetedAssetField). The newest line signs
//     the asset's own expectation too where it is a leaf, an asset with
//     no active agent (AbstractTechnicalBehavior
//     .initializeAndSaveInjectExpectationsFromExecutableInject signs each
//     expectation but the asset groups' own that is an agent's or
//     passes ExpectationUtils.isAgentlessAssetExpectationNecessary:
//     targetexpectations.go), with no agent: parent_process_name
//     "<injector type><inject id>-agent-null" (Java's string
//     concatenation of a null agent id) and the source addresses alike.
//     An asset with an active agent and the asset groups' own get none.
//     2.4.0's
//     Executor creates no expectation for an external injector's inject
//     (only OpenAEVImplantExecutor computes signatures): none there.
//   - An injector's, per expectation. SignatureOutputProcessor calls
//     appendExpectationSignatures once per target and expectation type;
//     an empty list returns at once (an empty envelope, or one whose
//     values all lack text, touches nothing). Otherwise, for each
//     expectation the target resolves to (attaches), InjectExpectation
//     LockService.applySignaturesForExpectationWithLock clears that
//     expectation's signatures the first time it receives some
//     (signatures_initialized false: the platform's own go) and afterwards
//     replaces them with the de-duplicated union of the held and the new
//     (mergeExpectationSignatures): a type and value an expectation holds
//     already is not stored again (the table's key is expectation, type,
//     value). An expectation no injector signature reached keeps the
//     platform's own. Earlier releases kept signatures as a JSON list the
//     repository concatenated onto (a repeat stored twice), then added the
//     merged list onto the held one (every held row met twice in one
//     flush, NonUniqueObjectException by the platform's own comment); and
//     the first batch an expectation receives is still added as it is, a
//     repeat inside it meeting the same key twice. Call.SignaturesRepeated
//     lists every repeat, so a test can require a sender to send none.
//
// The stand-in keys both by the class of expectations a target resolves
// to (an agent's, an asset's own, an asset group's own) and the
// expectation type: every expectation of a class receives the same
// signatures, and a class is cleared or kept whole.

package openaevtest

import (
	"net/netip"
	"slices"
)

// signedTypes are the expectation types whose agent expectations the
// platform signs at publish (computeSignatures' callers: prevention,
// detection, vulnerability).
var signedTypes = []string{"DETECTION", "PREVENTION", "VULNERABILITY"}

// publishSignaturesLocked sets in's signatures to those the platform
// computes when it publishes in to its injector with the expectations
// in.expected holds, and marks no expectation as having received an
// injector's signatures.
func (p *Platform) publishSignaturesLocked(in *inject, q QueuedInject) {
	in.signatures, in.initialized, in.held = nil, nil, nil
	if in.expected == nil || p.version == Version24 {
		return
	}
	prefix := p.injectTypeLocked(in)
	ips := map[string][]string{} // the IPs of each endpoint, by asset id
	endpoints := slices.Clone(q.Assets)
	for _, g := range q.AssetGroups {
		gid, _ := g["asset_group_id"].(string)
		endpoints = append(endpoints, p.groups[gid]...)
	}
	for _, e := range endpoints {
		if id := assetID(e); id != "" {
			ips[id] = endpointIPs(e)
		}
	}
	seen := map[Expectation]bool{}
	for _, e := range in.expected.targets {
		leaf := Expectation{Agent: e.Agent, Asset: e.Asset} // the same under each group
		agent := e.Agent
		switch {
		case seen[leaf] || e.Asset == "" && e.Agent == "":
			continue
		case agent == "" && !in.expected.leaves[e.Asset]:
			continue
		case agent == "":
			agent = "null"
		}
		seen[leaf] = true
		for _, t := range signedTypes {
			if !in.expected.types[t] {
				continue
			}
			base := Signature{Agent: e.Agent, Asset: e.Asset, ExpectationType: t}
			s := base
			s.Type, s.Value = "parent_process_name", prefix+q.ID+"-agent-"+agent
			in.signatures = append(in.signatures, s)
			for _, ip := range ips[e.Asset] {
				if typ := sourceIPType(ip); typ != "" {
					s := base
					s.Type, s.Value = typ, ip
					in.signatures = append(in.signatures, s)
				}
			}
		}
	}
	// Each class the platform signed is known uncleared (false): only
	// those hold signatures the first injector's of the class replaces.
	for _, s := range in.signatures {
		if in.initialized == nil {
			in.initialized = map[string]bool{}
		}
		in.initialized[classOf(s)] = false
	}
}

// endpointIPs returns an endpoint's IPs as Endpoint.getIps, then its
// seen IP (ExpectationUtils.getIpsFromAsset): endpoint_ips and
// endpoint_seen_ip as 2.4.0 names them, else asset_ips and asset_seen_ip
// as the current line's Asset does.
func endpointIPs(e map[string]any) []string {
	var out []string
	for _, k := range []string{"endpoint_ips", "asset_ips"} {
		if v, ok := e[k]; ok && v != nil {
			out = javaIPs(v)
			break
		}
	}
	for _, k := range []string{"endpoint_seen_ip", "asset_seen_ip"} {
		if s, ok := e[k].(string); ok {
			out = append(out, s)
			break
		}
	}
	return out
}

// sourceIPType is createIpSignature's type for a source IP, "" for a
// value that is neither IPv4 nor IPv6.
func sourceIPType(ip string) string {
	a, err := netip.ParseAddr(ip)
	switch {
	case err != nil || a.Zone() != "":
		return ""
	case a.Is4():
		return "source_ipv4_address"
	}
	return "source_ipv6_address"
}

// injectTypeLocked is the type of the injector in is published to: the
// injector it names, else its contract's.
func (p *Platform) injectTypeLocked(in *inject) string {
	if in.injector != "" {
		return p.injectorTypeLocked(in.injector)
	}
	if in.contract == "" {
		return ""
	}
	t, _ := p.contractDocLocked(in.contract)["injector_contract_injector_type"].(string)
	return t
}

// classOf names the expectations signature s goes to (attaches) and its
// expectation type: the unit the platform clears once.
func classOf(s Signature) string {
	switch {
	case s.Agent != "":
		return "agent\x00" + s.Agent + "\x00" + s.ExpectationType
	case s.Asset != "":
		return "asset\x00" + s.Asset + "\x00" + s.ExpectationType
	}
	return "group\x00" + s.AssetGroup + "\x00" + s.ExpectationType
}

// heldKey names one stored row: the expectations signature s reaches
// (classOf), its type and its value, the primary key of the platform's
// injects_expectations_signatures (inject expectation id, type, value).
func heldKey(s Signature) string {
	return classOf(s) + "\x00" + s.Type + "\x00" + s.Value
}

// appendSignaturesLocked stores a processed callback's signatures on in:
// each class of expectations they reach is cleared the first time it
// receives some, then they are added, a signature the class holds already
// (same type and value) not added again: it returns those. No signatures,
// nothing touched. Only a class the platform signed at publish
// (in.initialized false) has signatures to clear: the others are not
// searched for (a search per class made an inject of 10 000 assets, each a
// class, quadratic: 30 s for the openaev W1 bench's 10 004 callbacks, 4 s
// without); in.held, the stored rows' keys, is built once and kept.
func (in *inject) appendSignaturesLocked(sigs []Signature) (stored, repeated []Signature) {
	if len(sigs) == 0 {
		return nil, nil
	}
	if in.held == nil {
		in.held = make(map[string]bool, len(in.signatures)+len(sigs))
		for _, s := range in.signatures {
			in.held[heldKey(s)] = true
		}
	}
	// The classes this callback reaches first are cleared together, in
	// one pass over the stored rows: a pass per class made a callback
	// reaching the classes of an inject of many assets, each signed at
	// publish, quadratic (8 184 of 20 000 assets: over 30 s, its answer
	// lost and the callback sent again). The same rows go as with a
	// clearing at each class's first signature: a class's clearing only
	// removes rows stored before this callback, of that class alone.
	var clear map[string]bool
	for _, s := range sigs {
		k := classOf(s)
		if done, signed := in.initialized[k]; done {
			continue
		} else if signed {
			if clear == nil {
				clear = map[string]bool{}
			}
			clear[k] = true
		}
		if in.initialized == nil {
			in.initialized = map[string]bool{}
		}
		in.initialized[k] = true
	}
	if clear != nil {
		in.signatures = slices.DeleteFunc(in.signatures, func(o Signature) bool {
			if !clear[classOf(o)] {
				return false
			}
			delete(in.held, heldKey(o))
			return true
		})
	}
	for _, s := range sigs {
		hk := heldKey(s)
		if in.held[hk] {
			repeated = append(repeated, s)
			continue
		}
		in.held[hk] = true
		in.signatures = append(in.signatures, s)
		stored = append(stored, s)
	}
	return stored, repeated
}
