package openaevtest

import (
	"fmt"
	"unicode/utf8"
)

// MaxDomainColumn is the most characters the platform stores of a domain's
// name and color (see below).
const MaxDomainColumn = 255

// How the platform stores a registered contract's domains (2.4.0 read;
// Current taken as alike; files under openaev-api/src/main/java/io/openaev/).
// InjectorContractService.convertInjectorFromInput hands a contract's
// contract_domains to DomainService.upserts (rest/domain/DomainService.java:
// 114-133), which looks every name up first (findByNameIn) and saves only a
// name not stored yet (computeIfAbsent): the Domain entity's @NotBlank, and
// so the 500 of a blank name or color, is checked for such a name alone. A
// stored name is taken whatever color the contract gives it, blank included.
// Stored from the start are the preset domains the migration
// V4_58__Implement_Domains_notion inserts (rest/domain/enums/PresetDomain),
// then every name a registration saved: the registration is one transaction
// (InjectorApi.registerInjector, @Transactional(rollbackOn = Exception.class)),
// so a name saved by an earlier contract of the same registration is found
// by a later one, and a registration that fails stores none. Names match
// exactly, case included. The platform's set of a contract's domains has no
// order (a HashSet of DTOs without equals); the stand-in takes them in the
// order written.
//
// The domains table stores at most 255 characters of a name and of a
// color (domain_name and domain_color varchar(255), V4_58), which nothing
// checks before the insert: a domain not stored yet with a longer one
// fails the registration when its insert is flushed, by the next query
// of the domains table (the next domain lookup, upserts' findByNameIn or
// upsert's findByName) or of the injectors table (a new injector's
// deleteDummyInjectorIfItExists, InjectorService.java:241, :421-424), the
// exception caught and wrapped in a RuntimeException (:244-245): a 500.
// An update whose save of such a domain no later query follows fails
// only at the commit, a 409 (columns.go); the stand-in answers 500 for
// both, the registration failed and nothing stored either way.

// presetDomains are the domain names the platform stores before any
// registration (PresetDomain, inserted by V4_58).
var presetDomains = []string{"Endpoint", "Network", "Web App", "E-mail Infiltration", "Data Exfiltration",
	"URL Filtering", "Cloud", "Tabletop", "To classify"}

// domainSet returns the preset domains as the set of stored names.
func domainSet() map[string]bool {
	s := make(map[string]bool, len(presetDomains))
	for _, n := range presetDomains {
		s[n] = true
	}
	return s
}

// upsertDomain takes one bound domain of a contract as DomainService.upserts
// does: a name in stored is looked up, nothing saved; any other is saved
// into stored, or refused when its name, or its color given, is blank
// (a color left out or null gets a random one, buildSanityDomain).
func upsertDomain(stored map[string]bool, d any, name, color string, colorGiven bool) error {
	if stored[name] {
		return nil
	}
	if blank(name) || colorGiven && blank(color) {
		return fmt.Errorf("contract_domains: %v: a domain not stored yet must not have a blank domain_name or domain_color (Domain's @NotBlank, ConstraintViolationException)", d)
	}
	if utf8.RuneCountInString(name) > MaxDomainColumn || colorGiven && utf8.RuneCountInString(color) > MaxDomainColumn {
		return fmt.Errorf("contract_domains: a domain not stored yet of a name of %d characters, a color of %d: value too long for type character varying(%d) (domains.domain_name, domain_color, V4_58)",
			utf8.RuneCountInString(name), utf8.RuneCountInString(color), MaxDomainColumn)
	}
	stored[name] = true
	return nil
}
