package openaev

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/injectkit/injectkit/framework"
)

// The platform's closed enums that a contract or a callback carries. The
// platform parses each strictly: an unknown contract platform answers the
// whole registration 400, an unknown output type makes every callback of
// the contract fail its processing (dropped after a 200), and an unknown
// signature type makes the collectors' fetch of every pending expectation
// fail. Each list is returned fresh: none is shared mutable state.

// PlatformTypes returns the contract_platforms values a platform version
// knows (the platform's Endpoint.PLATFORM_TYPE): Linux, Windows, MacOS,
// Container, Service, Generic, Internal, Unknown, and on the Current line
// Android and iOS.
func PlatformTypes(v PlatformVersion) []string {
	out := []string{"Linux", "Windows", "MacOS", "Container", "Service", "Generic", "Internal", "Unknown"}
	if v.Current {
		out = append(out, "Android", "iOS")
	}
	return out
}

// OutputTypes returns the contract output types a platform version knows
// (the platform's ContractOutputType). 2.4.x lacks file,
// expectation_signature and action_output (see CurrentOnlyOutputTypes).
func OutputTypes(v PlatformVersion) []string {
	out := []string{"text", "number", "port", "portscan", "ipv4", "ipv6", "credentials", "cve", "username", "share",
		"admin_username", "group", "computer", "password_policy", "delegation", "sid", "vulnerability",
		"account_with_password_not_required", "asreproastable_account", "kerberoastable_account", "asset"}
	if v.Current {
		out = append(out, CurrentOnlyOutputTypes()...)
	}
	return out
}

// CurrentOnlyOutputTypes returns the output types that appeared after
// 2.4.x, with signature processing (2.260624). On an older platform a
// contract declares an output of one of these types as text, except the
// expectation signatures and action_output, which it does not declare
// (see ContractOutputType).
func CurrentOnlyOutputTypes() []string {
	return []string{"file", OutputExpectationSignature, "action_output"}
}

// SecurityPlatformTypes returns the values an expectation's
// expectation_expected_security_platform_types may hold (pyoaev's
// SecurityPlatformType).
func SecurityPlatformTypes() []string {
	return []string{framework.SecurityEDR, framework.SecurityXDR, framework.SecuritySIEM, framework.SecuritySOAR,
		framework.SecurityNDR, framework.SecurityISPM, framework.SecurityLLMFirewall, framework.SecurityAIGateway}
}

// SignatureTypes returns the signature types the collectors can read
// (pyoaev's closed SignatureTypes enum). The openaev profile sends no
// other type.
func SignatureTypes() []string {
	return []string{"process_name", "parent_process_name", "command_line", "ipv4_address", "ipv6_address",
		"source_ipv4_address", "source_ipv6_address", "target_ipv4_address", "target_ipv6_address", "hostname",
		"target_hostname_address", "start_date", "end_date", "cloud_provider", "cloud_account_id", "cloud_region",
		"target_service", "query", "url_hash", "file_name", "file_hash", "source_email", "target_email",
		"email_custom_header", "ai_request_marker", "ai_target_endpoint"}
}

// KnownSignatureType reports whether t is a member of SignatureTypes.
func KnownSignatureType(t string) bool {
	switch t {
	case "process_name", "parent_process_name", "command_line", "ipv4_address", "ipv6_address",
		"source_ipv4_address", "source_ipv6_address", "target_ipv4_address", "target_ipv6_address", "hostname",
		"target_hostname_address", "start_date", "end_date", "cloud_provider", "cloud_account_id", "cloud_region",
		"target_service", "query", "url_hash", "file_name", "file_hash", "source_email", "target_email",
		"email_custom_header", "ai_request_marker", "ai_target_endpoint":
		return true
	}
	return false
}

func member(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ValidateManifest checks a manifest as Client.Register does before
// sending its contract, for platform version v: it has a name, an
// injector name (framework.ValidateInjectorName), and passes
// framework.ValidateManifest (expectation types known and declared once,
// param names valid and declared once, output fields and setting keys given and declared once, no
// output named expectation_signatures, no setting named like a param);
// each platform is one of PlatformTypes(v), each output type one of OutputTypes
// of the Current line (an older platform gets the newer types as text),
// each finding's output field at most MaxOutputField characters,
// each domain has a name and a colour of at most MaxDomainField characters, each attack pattern one
// external id, not blank nor padded (the platform drops silently one it cannot match), and each security platform type is
// one of SecurityPlatformTypes (values the platform parses into closed
// enums); no param is named like a field of the contract's target
// selection or expectations (targets, assets…), each param's type has
// a form field and an int param's default is an integer. Every bad value
// is reported, each a *ValidationError naming the manifest's field and the
// value, joined (errors.Join; errors.As finds the first).
func ValidateManifest(m framework.Manifest, v PlatformVersion) error {
	var errs []error
	if err := validateName(m); err != nil {
		errs = append(errs, err)
	}
	if err := framework.ValidateManifest(m); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, validateEnums(m, v)...)
	errs = append(errs, validateOutputFields(m)...)
	if _, err := contractFields(m); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// validateName refuses a manifest without a name, or whose name is no
// injector name.
func validateName(m framework.Manifest) error {
	if strings.TrimSpace(m.Name) == "" {
		return &ValidationError{Field: "name", Reason: "required"}
	}
	if framework.ValidateInjectorName(m.Name) != nil {
		return &ValidationError{Field: "name", Value: m.Name, Reason: "not an injector name (" + framework.InjectorNameRule + ")"}
	}
	return nil
}

// validateEnums checks the values of m the platform parses into closed
// enums (see ValidateManifest), every bad value.
func validateEnums(m framework.Manifest, v PlatformVersion) []error {
	var errs []error
	bad := func(field, value, reason string) {
		errs = append(errs, &ValidationError{Field: m.Name + "." + field, Value: value, Reason: reason})
	}
	platforms := PlatformTypes(v)
	for _, p := range m.Platforms {
		if !member(platforms, p) {
			reason := "not an OpenAEV platform type (want one of " + strings.Join(platforms, ", ") +
				"; a cloud or external injector declares none)"
			if member(PlatformTypes(PlatformVersion{Current: true}), p) {
				reason = "not a platform type of OpenAEV " + v.String() + " (want one of " + strings.Join(platforms, ", ") + ")"
			}
			bad("platforms", p, reason)
		}
	}
	outputs := OutputTypes(PlatformVersion{Current: true})
	for _, o := range m.Outputs {
		if !member(outputs, o.Type) {
			bad("outputs."+o.Field, o.Type, "not an OpenAEV output type (want one of "+strings.Join(outputs, ", ")+")")
		}
	}
	for i, d := range m.Domains {
		if strings.TrimSpace(d.Name) == "" || strings.TrimSpace(d.Color) == "" {
			bad(fmt.Sprintf("domains[%d]", i), fmt.Sprintf("name %q, color %q", d.Name, d.Color),
				"a domain needs a name and a colour")
		} else if n, c := utf8.RuneCountInString(d.Name), utf8.RuneCountInString(d.Color); max(n, c) > MaxDomainField {
			// The platform's domains table: domain_name and domain_color
			// varchar(255) (2.4.0's V4_58); a new domain's insert fails
			// the registration (openaevtest.MaxDomainColumn).
			bad(fmt.Sprintf("domains[%d]", i), fmt.Sprintf("name of %d characters, color of %d", n, c),
				fmt.Sprintf("longer than the %d characters the platform stores of a domain's name and colour: the registration would fail", MaxDomainField))
		}
	}
	for _, id := range m.AttackPatterns {
		if reason := attackPatternRefusal(id); reason != "" {
			bad("attack_patterns", id, reason)
		}
	}
	known := SecurityPlatformTypes()
	types := make([]string, 0, len(m.SecurityPlatforms))
	for t := range m.SecurityPlatforms {
		types = append(types, string(t))
	}
	sort.Strings(types) // the errors come in the same order on every run
	for _, t := range types {
		for _, sp := range m.SecurityPlatforms[framework.ExpectationType(t)] {
			if !member(known, sp) {
				bad("security_platforms."+t, sp,
					"not an OpenAEV security platform type (want one of "+strings.Join(known, ", ")+")")
			}
		}
	}
	return errs
}

// attackPatternRefusal says why the platform could never keep the attack
// pattern of external id id, or returns "". A registration's ids are
// looked up whole, case aside, among the attack patterns the platform
// holds (2.4.0's InjectorContractService.convertInjectorFromInput:
// findAllByExternalIdInIgnoreCaseAndTenantId), and one that matches none is
// dropped without a word, the registration answered 200: a blank id (the
// platform stores none, AttackPattern's @NotBlank), one padded with
// spaces, or several ids written as one would leave the contract without
// its technique.
func attackPatternRefusal(id string) string {
	switch {
	case strings.TrimSpace(id) == "":
		return "blank: the platform holds no attack pattern of a blank id"
	case strings.TrimSpace(id) != id:
		return "spaces around the id: the platform matches it whole and would drop it (want e.g. T1046)"
	case strings.Contains(id, ","):
		return "several ids in one: give each its own entry (the platform matches each whole and would drop this one)"
	}
	return ""
}
