package openaev

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// Keys of inject_content the platform and the contract own; a manifest
// param of the same name is not read from them.
const (
	KeyTargetSelector         = "target_selector"
	KeyTargetPropertySelector = "target_property_selector"
	KeyTargets                = "targets"
	KeyAssets                 = "assets"
	KeyAssetGroups            = "asset_groups"
	KeyExpectations           = "expectations"

	// External (query) contracts.
	KeyQuery = "query"
	// Cloud contracts; cloud_region holds comma-separated regions.
	KeyCloudProvider  = "cloud_provider"
	KeyCloudAccountID = "cloud_account_id"
	KeyCloudRegion    = "cloud_region"
	KeyTargetService  = "target_service"
	// DefaultCloudProvider is the cloud_provider field's default, which
	// an inject left without one (absent, null or blank) reads: the
	// platform takes a mandatory text field's default for its value and
	// runs such an inject (openaevtest.ContentChecks).
	DefaultCloudProvider = "aws"
)

// Target selectors and properties (inject_content values).
const (
	SelectorAssets      = "assets"
	SelectorAssetGroups = "asset-groups"
	SelectorManual      = "manual"

	PropertyAutomatic = "automatic"
	PropertyHostname  = "hostname"
	PropertySeenIP    = "seen_ip"
	PropertyLocalIP   = "local_ip"
)

// Output field and type of the expectation signatures every contract
// declares.
const (
	FieldExpectationSignatures = framework.ReservedOutputField
	OutputExpectationSignature = "expectation_signature"
	// OutputText is the type an older platform gets for the outputs it
	// does not know.
	OutputText = "text"
	// OutputActionOutput is the type of a tool's raw output (nmap's XML),
	// declared on the Current line only.
	OutputActionOutput = "action_output"
)

// Contract is one entry of the registration's injector_contracts.
type Contract struct {
	ContractID     string            `json:"contract_id"`
	Labels         map[string]string `json:"contract_labels"`
	AttackPatterns []string          `json:"contract_attack_patterns_external_ids"`
	// Content is the contract document (config, label, fields, outputs)
	// encoded as a JSON string, as the platform wants it.
	Content   string   `json:"contract_content"`
	Platforms []string `json:"contract_platforms"`
	// Domains are the contract's security domains, in pyoaev's shape.
	Domains []ContractDomain `json:"contract_domains"`
}

// ContractDomain is a security domain of a contract (contract_domains, and
// domains inside contract_content).
type ContractDomain struct {
	Name  string `json:"domain_name"`
	Color string `json:"domain_color"`
}

// contractContent is the document encoded into Contract.Content.
type contractContent struct {
	ContractID     string            `json:"contract_id"`
	Label          map[string]string `json:"label"`
	Config         contractConfig    `json:"config"`
	Manual         bool              `json:"manual"`
	Fields         []field           `json:"fields"`
	Outputs        []output          `json:"outputs"`
	Variables      []any             `json:"variables"`
	AttackPatterns []string          `json:"contract_attack_patterns_external_ids"`
	AtomicTesting  bool              `json:"is_atomic_testing"`
	Platforms      []string          `json:"platforms"`
	Domains        []ContractDomain  `json:"domains"`
}

type contractConfig struct {
	Type       string            `json:"type"`
	Expose     bool              `json:"expose"`
	Label      map[string]string `json:"label"`
	ColorDark  string            `json:"color_dark"`
	ColorLight string            `json:"color_light"`
}

// field is one form field of a contract. Fields that do not apply to a
// type are omitted.
type field struct {
	Key                      string            `json:"key"`
	Label                    string            `json:"label"`
	Type                     string            `json:"type"`
	Mandatory                bool              `json:"mandatory"`
	ReadOnly                 bool              `json:"readOnly"`
	MandatoryGroups          []string          `json:"mandatoryGroups"`
	MandatoryConditionFields []string          `json:"mandatoryConditionFields"`
	MandatoryConditionValues map[string]any    `json:"mandatoryConditionValues"`
	VisibleConditionFields   []string          `json:"visibleConditionFields"`
	VisibleConditionValues   map[string]any    `json:"visibleConditionValues"`
	LinkedFields             []string          `json:"linkedFields"`
	Cardinality              string            `json:"cardinality,omitempty"`
	DefaultValue             any               `json:"defaultValue"`
	Choices                  map[string]string `json:"choices,omitempty"`
	Available                []expectation     `json:"availableExpectations,omitempty"`
	Predefined               []expectation     `json:"predefinedExpectations,omitempty"`
}

type expectation struct {
	Type          string `json:"expectation_type"`
	Name          string `json:"expectation_name"`
	Description   string `json:"expectation_description"`
	Score         int    `json:"expectation_score"`
	Group         bool   `json:"expectation_expectation_group"`
	Predefined    bool   `json:"expectation_is_predefined"`
	MultiSelected bool   `json:"expectation_is_multi_selectable"`
	// SecurityPlatforms restricts the security platforms expected to
	// answer (empty: any).
	SecurityPlatforms []string `json:"expectation_expected_security_platform_types"`
}

type output struct {
	Type     string   `json:"type"`
	Field    string   `json:"field"`
	Labels   []string `json:"labels"`
	Finding  bool     `json:"isFindingCompatible"`
	Multiple bool     `json:"isMultiple"`
}

// Contracts returns one contract per manifest, in the order given, for a
// platform of version v. Each contract's id is ContractID(m.Name); its
// fields are the target selection of the manifest's category (network or
// any: selector, assets, asset groups, property, manual targets; external:
// the query, optionally narrowed to such targets; cloud: provider, account
// id, regions and service), the expectations the manifest declares (each
// with the security platform types of Manifest.SecurityPlatforms) and one
// field per manifest param; its outputs are the manifest's (see
// ContractOutputTypes) plus, on the Current line, the expectation
// signatures; its domains are Manifest.Domains. A manifest without a name,
// two manifests of one name, or a value the platform would refuse (see
// ValidateManifest) is a *ValidationError.
func (c *Client) Contracts(manifests []framework.Manifest, v PlatformVersion) ([]Contract, error) {
	out := make([]Contract, 0, len(manifests))
	seen := map[string]bool{}
	for i, m := range manifests {
		if strings.TrimSpace(m.Name) == "" {
			return nil, &ValidationError{Field: fmt.Sprintf("manifests[%d].name", i), Reason: "required"}
		}
		if seen[m.Name] {
			return nil, &ValidationError{Field: fmt.Sprintf("manifests[%d].name", i), Value: m.Name, Reason: "duplicate injector name"}
		}
		seen[m.Name] = true
		if err := ValidateManifest(m, v); err != nil {
			return nil, err
		}
		ct, err := c.contract(m, v)
		if err != nil {
			return nil, err
		}
		out = append(out, ct)
	}
	return out, nil
}

func (c *Client) contract(m framework.Manifest, v PlatformVersion) (Contract, error) {
	id := ContractID(m.Name)
	label := c.cfg.InjectorName + " - " + m.Name
	labels := map[string]string{"en": label, "fr": label}
	attack := nonNilStrings(m.AttackPatterns)
	platforms := nonNilStrings(m.Platforms)
	domains := make([]ContractDomain, len(m.Domains))
	for i, d := range m.Domains {
		domains[i] = ContractDomain{Name: d.Name, Color: d.Color}
	}
	fields, err := contractFields(m)
	if err != nil {
		return Contract{}, err
	}
	doc := contractContent{
		ContractID: id,
		Label:      labels,
		Config: contractConfig{Type: c.cfg.InjectorType, Expose: true,
			Label:     map[string]string{"en": c.cfg.InjectorName, "fr": c.cfg.InjectorName},
			ColorDark: "#00bcd4", ColorLight: "#00bcd4"},
		Fields:         fields,
		Outputs:        contractOutputs(m, v),
		Variables:      []any{},
		AttackPatterns: attack,
		AtomicTesting:  true,
		Platforms:      platforms,
		Domains:        domains,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return Contract{}, fmt.Errorf("contract %s: %w", m.Name, err)
	}
	return Contract{ContractID: id, Labels: labels, AttackPatterns: attack, Content: string(b), Platforms: platforms,
		Domains: domains}, nil
}

// nonNilStrings is a copy of s, never nil: an empty list is written [],
// not null.
func nonNilStrings(s []string) []string {
	return append([]string{}, s...)
}

// ContractOutputType returns the type a contract declares for a manifest
// output of type t on a platform of version v: t itself, except that a
// platform older than the Current line gets the types it does not know
// (CurrentOnlyOutputTypes) as text, whose value is then the finding
// rendered as a string (see StructuredOutput), and gets no output at all
// ("") of the types that are no finding: expectation_signature, and
// action_output, a tool's raw output, which 2.4.x would store whole as a
// text finding (nmap's XML of a /24 is far over the findings index's row
// limit, MaxFindingRow, and would roll the callback back).
func ContractOutputType(t string, v PlatformVersion) string {
	switch {
	case v.Current || !member(CurrentOnlyOutputTypes(), t):
		return t
	case t == OutputExpectationSignature || t == OutputActionOutput:
		return ""
	}
	return OutputText
}

func contractOutputs(m framework.Manifest, v PlatformVersion) []output {
	out := make([]output, 0, len(m.Outputs)+1)
	for _, o := range m.Outputs {
		if o.Field == FieldExpectationSignatures {
			continue
		}
		labels := nonNilStrings(o.Labels)
		if len(labels) == 0 {
			labels = []string{m.Name}
		}
		typ := ContractOutputType(o.Type, v)
		if typ == "" {
			continue
		}
		out = append(out, output{Type: typ, Field: o.Field, Labels: labels, Finding: o.Finding,
			Multiple: o.Multiple && typ == o.Type})
	}
	if !signaturesDeclared(&m, v) {
		return out
	}
	return append(out, output{Type: OutputExpectationSignature, Field: FieldExpectationSignatures,
		Labels: []string{m.Name}, Multiple: true})
}

// signaturesDeclared reports whether the contract of m on a platform of
// version v declares the expectation_signature output, and so whether its
// callbacks carry expectation_signatures: on the Current line (no
// signature processing before it), for a manifest declaring DETECTION or
// PREVENTION, or no expectation type at all (it takes any; nil: unknown,
// taken alike). The platform's SignatureOutputProcessor applies the
// DETECTION and PREVENTION groups only (mapExpectationType; any other
// skipped), so the output of an injector declaring neither (query:
// VULNERABILITY alone) could never hold a signature the platform keeps:
// it is not declared, as the platform's own Shodan injector declares none,
// and such an injector's callbacks carry no expectation_signatures.
func signaturesDeclared(m *framework.Manifest, v PlatformVersion) bool {
	if !v.Current {
		return false
	}
	if m == nil || len(m.Expectations) == 0 {
		return true
	}
	return slices.Contains(m.Expectations, framework.Detection) || slices.Contains(m.Expectations, framework.Prevention)
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// outputFields returns the Findings keys a manifest declares as outputs,
// with their types.
func outputFields(m *framework.Manifest) map[string]string {
	if m == nil {
		return nil
	}
	out := map[string]string{}
	for _, o := range m.Outputs {
		out[o.Field] = o.Type
	}
	return out
}
