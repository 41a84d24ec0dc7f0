package openaevtest

import (
	"math/rand/v2"
	"slices"
)

// The order of an inject's targets (rule 19; 2.4.0 read). The platform
// publishes an inject's assets and asset groups as sets, and Jackson writes
// a set in its iteration order:
//
//   - ExecutableInjectDTO's assets and assetGroups are Sets
//     (openaev-api …/execution/ExecutableInjectDTO.java:19-23), which
//     ExecutableInjectDTOMapper.toExecutableInjectDTO fills with
//     Collectors.toSet() (ExecutableInjectDTOMapper.java:17-28): a HashSet.
//   - An asset is an EndpointTargetOutput (…/rest/asset/endpoint/output/
//     EndpointTargetOutput.java:13-16: @Setter @Getter @Builder, no equals
//     or hashCode), so a HashSet of them iterates in the order of their
//     identity hash codes, which a JVM draws at random: the order of the
//     message's assets is arbitrary, another each time the inject is
//     published.
//   - An asset's asset_agents are AgentMapper.toAgentOutputs's
//     Collectors.toSet() of AgentOutput (…/utils/mapper/AgentMapper.java:
//     36-40; AgentOutput.java:16-19, no equals or hashCode either): every
//     agent of the endpoint, primary or not, in an arbitrary order too; so
//     the "first agent" of an asset is any of them, in the message and in
//     the asset-group search's rows (the same mapper).
//   - An asset group is an AssetGroupSimple (…/rest/asset_group/form/
//     AssetGroupSimple.java:11-13: Lombok's @Data), whose hashCode is
//     Lombok's over id then name (59 * (59 + id.hashCode()) +
//     name.hashCode(), 43 for a null): the groups come in the HashSet's
//     order of those hashes, the same for the same groups
//     (lombokHashSetOrder).
//
// The stand-in draws the arbitrary orders from the platform's seed (the
// test's name) and a count of the orders drawn: a test sees the same
// orders each run, a different one each message. Message, the package's
// function, writes what it is given, in the order given; Platform.Message
// writes what 2.4.0 publishes.

// Message returns the queue message of in as 2.4.0 publishes it (rule
// 19): each asset as TargetOutput writes it, the assets and each one's
// asset_agents in an arbitrary order (seeded: see above), the asset groups
// in their HashSet's order, both lists written even when empty or nil (the
// mapper's sets are never null). The inject, when the platform holds it,
// keeps the message's content as its own (rule 20 reads it) and the
// expectations the platform creates for it (rule 5: targetexpectations.go); AddInject,
// AddAssets and Dispatch are the caller's.
func (p *Platform) Message(in QueuedInject) []byte {
	p.mu.Lock()
	if held := p.injects[in.ID]; held != nil {
		held.content = in.Content
		p.executorTracesLocked(held, in)
		held.expected = p.expectationsOfLocked(held, in)
		p.publishSignaturesLocked(held, in)
	}
	p.mu.Unlock()
	r := p.orderRand()
	assets := make([]map[string]any, 0, len(in.Assets))
	for _, a := range in.Assets {
		assets = append(assets, shuffleAgents(TargetOutput(a), r))
	}
	r.Shuffle(len(assets), func(i, j int) { assets[i], assets[j] = assets[j], assets[i] })
	in.Assets = assets
	in.AssetGroups = assetGroupSetOrder(in.AssetGroups)
	if in.AssetGroups == nil {
		in.AssetGroups = []map[string]any{}
	}
	return Message(in)
}

// orderRand returns the source of the next arbitrary order (see above).
func (p *Platform) orderRand() *rand.Rand {
	return rand.New(rand.NewPCG(p.seed^0x6f72646572, p.orders.Add(1)))
}

// shuffleAgents returns e with its asset_agents, when it lists more than
// one, in an order drawn from r (a copy: e is left as it is).
func shuffleAgents(e map[string]any, r *rand.Rand) map[string]any {
	agents := endpointAgents(e)
	if len(agents) < 2 {
		return e
	}
	out := make(map[string]any, len(e))
	for k, v := range e {
		out[k] = v
	}
	list := make([]any, len(agents))
	for i, a := range agents {
		list[i] = a
	}
	r.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
	out["asset_agents"] = list
	return out
}

// assetGroupSetOrder returns groups in the order a HashSet of their
// AssetGroupSimple iterates (see above): by asset_group_id and
// asset_group_name, each a string or else null.
func assetGroupSetOrder(groups []map[string]any) []map[string]any {
	hashes := make([]uint32, len(groups))
	for i, g := range groups {
		hashes[i] = lombokHash(g["asset_group_id"], g["asset_group_name"])
	}
	order := lombokHashSetOrder(hashes)
	out := make([]map[string]any, 0, len(groups))
	for _, i := range order {
		out = append(out, groups[i])
	}
	return out
}

// lombokHash is the hashCode Lombok's @Data writes for a class of String
// fields, in their declared order: result = 1, then result*59 + the
// field's String.hashCode (43 when null) for each, in 32 bits. A value
// that is not a string is taken as null.
func lombokHash(fields ...any) uint32 {
	h := uint32(1)
	for _, f := range fields {
		fh := uint32(43)
		if s, ok := f.(string); ok {
			fh = javaStringHash(s)
		}
		h = h*59 + fh
	}
	return h
}

// lombokHashSetOrder returns the indexes of hashes (objects added one by
// one, in that order, to a HashSet made with new HashSet<>(), as
// Collectors.toSet() makes it) in the set's iteration order: the table
// starts at 16 buckets and doubles each time the set holds more than three
// quarters of them; each object is in bucket (h ^ h>>>16) & (buckets-1)
// of its hash h, buckets in order, each in the order its objects were
// added (a resize splits a bucket keeping that order). Equal objects are
// not collapsed: the caller's are distinct.
func lombokHashSetOrder(hashes []uint32) []int {
	n := 16
	for float64(len(hashes)) > 0.75*float64(n) {
		n <<= 1
	}
	idx := make([]int, len(hashes))
	for i := range idx {
		idx[i] = i
	}
	bucket := func(i int) int {
		h := hashes[i]
		return int((h ^ h>>16) & uint32(n-1))
	}
	slices.SortStableFunc(idx, func(a, b int) int { return bucket(a) - bucket(b) })
	return idx
}
