package openaevtest

import (
	"maps"
	"slices"
	"strings"
)

// What the platform stores of a registered contract (rule 2; 2.4.0 read,
// Current taken as alike; files under openaev-api/src/main/java/io/openaev/
// unless named). A contract the registering injector does not hold yet
// (a new injector's, a new id, or an id only another injector holds) is
// built from the input (rest/injector_contract/InjectorContractService.java
// :758-782, convertInjectorFromInput); one it holds is updated from it
// (service/InjectorService.java:272-304, updateExistingExternalInjector).
// Either way:
//
//   - contract_labels, contract_platforms, contract_manual and
//     is_atomic_testing are stored as Jackson bound them: a platform by its
//     PLATFORM_TYPE name (" Linux" and, on 2.4.0, 0 are Linux), manual
//     false when left out, atomic testing true when left out and false
//     when null (a primitive boolean: FAIL_ON_NULL_FOR_PRIMITIVES is off);
//   - contract_attack_patterns_external_ids are looked up among the attack
//     patterns the platform holds (attackPatternRepository
//     .findAllByExternalIdInIgnoreCaseAndTenantId; InjectorContractService.java:768-775,
//     InjectorService.java:283-293):
//     an id is matched whole, case aside, and one the platform does not
//     hold (no MITRE import, a typo, a space) is dropped without a word,
//     the registration answered 200. A fresh platform holds none until
//     its ATT&CK collector ran: AddAttackPatterns says which it holds.
//
// Domains (unless the input's injector_payloads is true) differ by path.
// A new contract gets the domains the input names (DomainService.upserts,
// rest/domain/DomainService.java:114-133), none for an empty list. An
// update merges them into those the contract has (InjectorService.java
// :295-303 → DomainService.mergeDomains :142-173, isEmptyOrToClassify :179): when both are empty or only "To
// classify", the contract gets "To classify"; when the contract has none
// (or only that one), the input's; otherwise both, so a domain an earlier
// registration gave is never taken away, and "To classify" is dropped
// from the input's. With injector_payloads true a new contract gets none
// and an update keeps its own. So a contract registered without domains
// has none after its first registration and "To classify" after the
// next (a heartbeat).

// StoredContract is what the platform stores of a registered contract.
type StoredContract struct {
	// Labels are contract_labels, each value's text ("" for null).
	Labels map[string]string `json:"labels"`
	// Platforms are the PLATFORM_TYPE names of contract_platforms.
	Platforms []string `json:"platforms"`
	// AttackPatterns are the external ids, as the platform holds them, of
	// the attack patterns it holds that the input names, sorted.
	AttackPatterns []string `json:"attack_patterns"`
	// Domains are the names of the contract's domains, sorted.
	Domains []string `json:"domains"`
	// Manual is contract_manual; AtomicTesting is is_atomic_testing.
	Manual        bool `json:"manual"`
	AtomicTesting bool `json:"atomic_testing"`
}

// toClassify is the preset domain the platform gives a contract left
// without any (PresetDomain.getToClassify).
const toClassify = "To classify"

// AddAttackPatterns makes the platform hold attack patterns of these
// external ids (as its MITRE ATT&CK collector imports them): a
// registration's contract_attack_patterns_external_ids is matched against
// them, case aside.
func (p *Platform) AddAttackPatterns(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.attackPatterns == nil {
		p.attackPatterns = map[string]string{}
	}
	for _, id := range ids {
		p.attackPatterns[strings.ToUpper(id)] = id
	}
}

// Contract returns what the platform stores of the contract of this id,
// and whether it holds one.
func (p *Platform) Contract(id string) (StoredContract, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	reg, ok := p.contracts[id]
	if !ok {
		return StoredContract{}, false
	}
	s := reg.stored
	s.Labels = maps.Clone(s.Labels)
	s.Platforms, s.AttackPatterns, s.Domains = slices.Clone(s.Platforms), slices.Clone(s.AttackPatterns), slices.Clone(s.Domains)
	return s, true
}

// storedLocked returns what the platform stores of bc, registered by an
// injector whose injector_payloads is payloads: an update of prev, the
// contract as the injector holds it, when update is set, else a new
// contract.
func (p *Platform) storedLocked(bc boundContract, payloads, update bool, prev StoredContract) StoredContract {
	s := StoredContract{Labels: bc.labels, Platforms: bc.platforms, Manual: bc.manual, AtomicTesting: bc.atomic}
	held := map[string]bool{}
	for _, id := range bc.attackPatterns {
		if h, ok := p.attackPatterns[strings.ToUpper(id)]; ok {
			held[h] = true
		}
	}
	s.AttackPatterns = slices.Sorted(maps.Keys(held))
	var named []string
	for _, d := range bc.domains {
		if !slices.Contains(named, d.name) {
			named = append(named, d.name)
		}
	}
	switch {
	case payloads && update:
		s.Domains = prev.Domains
	case payloads:
		s.Domains = nil
	case !update:
		s.Domains = named
	default:
		s.Domains = mergeDomains(prev.Domains, named)
	}
	// Lists are never nil: an empty one is [].
	s.Platforms = append([]string{}, s.Platforms...)
	s.AttackPatterns = append([]string{}, s.AttackPatterns...)
	s.Domains = append([]string{}, slices.Sorted(slices.Values(s.Domains))...)
	return s
}

// mergeDomains is DomainService.mergeDomains over domain names.
func mergeDomains(existing, added []string) []string {
	unclassified := func(d []string) bool { return len(d) == 0 || len(d) == 1 && d[0] == toClassify }
	switch {
	case unclassified(existing) && unclassified(added):
		return []string{toClassify}
	case unclassified(added):
		added = nil
	}
	if unclassified(existing) {
		return added
	}
	out := slices.Clone(existing)
	for _, d := range added {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
