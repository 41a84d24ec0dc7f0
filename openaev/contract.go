package openaev

import (
	"encoding/json"
	"fmt"
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
	FieldExpectationSignatures = "expectation_signatures"
	OutputExpectationSignature = "expectation_signature"
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
}

type output struct {
	Type     string   `json:"type"`
	Field    string   `json:"field"`
	Labels   []string `json:"labels"`
	Finding  bool     `json:"isFindingCompatible"`
	Multiple bool     `json:"isMultiple"`
}

// Contracts returns one contract per manifest, in the order given. Each
// contract's fields are the target selection of the manifest's category
// (network or any: selector, assets, asset groups, property, manual
// targets; external: the query, optionally narrowed to such targets;
// cloud: provider, account id, regions and service), the expectations the
// manifest declares and one field per manifest param; its outputs are the manifest's plus the
// expectation signatures. A manifest without a name, or two manifests of one
// name, is a *ValidationError.
func (c *Client) Contracts(manifests []framework.Manifest) ([]Contract, error) {
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
		ct, err := c.contract(m)
		if err != nil {
			return nil, err
		}
		out = append(out, ct)
	}
	return out, nil
}

func (c *Client) contract(m framework.Manifest) (Contract, error) {
	id := c.ContractID(m.Name)
	label := c.cfg.InjectorName + " - " + m.Name
	labels := map[string]string{"en": label, "fr": label}
	attack := nonNilStrings(m.AttackPatterns)
	platforms := nonNilStrings(m.Platforms)
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
		Outputs:        contractOutputs(m),
		Variables:      []any{},
		AttackPatterns: attack,
		AtomicTesting:  true,
		Platforms:      platforms,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return Contract{}, fmt.Errorf("contract %s: %w", m.Name, err)
	}
	return Contract{ContractID: id, Labels: labels, AttackPatterns: attack, Content: string(b), Platforms: platforms}, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string(nil), s...)
}

func newField(key, label, typ string) field {
	return field{Key: key, Label: label, Type: typ, MandatoryGroups: []string{},
		MandatoryConditionFields: []string{}, MandatoryConditionValues: map[string]any{},
		VisibleConditionFields: []string{}, VisibleConditionValues: map[string]any{}, LinkedFields: []string{}}
}

// when makes f visible and mandatory when the target selector has one of
// the values.
func (f field) when(values ...string) field {
	var v any = values[0]
	if len(values) > 1 {
		v = values
	}
	f.MandatoryConditionFields = []string{KeyTargetSelector}
	f.MandatoryConditionValues = map[string]any{KeyTargetSelector: v}
	f.VisibleConditionFields = []string{KeyTargetSelector}
	f.VisibleConditionValues = map[string]any{KeyTargetSelector: v}
	return f
}

// targetFields returns the asset, asset-group and manual target fields.
// With optional set (external queries), no selector is mandatory: the
// query alone is a target.
func targetFields(optional bool) []field {
	sel := newField(KeyTargetSelector, "Type of targets", "select")
	sel.Mandatory, sel.Cardinality, sel.DefaultValue = !optional, "1", []string{SelectorAssets}
	sel.Choices = map[string]string{SelectorAssets: "Assets", SelectorAssetGroups: "Asset groups", SelectorManual: "Manual"}
	if optional {
		sel.DefaultValue = []string{SelectorManual}
	}

	assets := newField(KeyAssets, "Targeted assets", "asset").when(SelectorAssets)
	assets.Cardinality, assets.DefaultValue = "n", []string{}
	groups := newField(KeyAssetGroups, "Targeted asset groups", "asset-group").when(SelectorAssetGroups)
	groups.Cardinality, groups.DefaultValue = "n", []string{}

	prop := newField(KeyTargetPropertySelector, "Targeted assets property", "select").when(SelectorAssets, SelectorAssetGroups)
	prop.Cardinality, prop.DefaultValue = "1", []string{PropertyAutomatic}
	prop.Choices = map[string]string{PropertyAutomatic: "Automatic", PropertyHostname: "Hostname",
		PropertySeenIP: "Seen IP", PropertyLocalIP: "Local IP (first)"}

	manual := newField(KeyTargets, "Manual targets (comma-separated)", "text").when(SelectorManual)
	manual.Cardinality, manual.DefaultValue = "1", ""
	if optional {
		manual.Label = "Narrow the query to targets (comma-separated IPv4 addresses or host names; optional)"
		manual.MandatoryConditionFields, manual.MandatoryConditionValues = []string{}, map[string]any{}
	}
	return []field{sel, assets, groups, prop, manual}
}

func textField(key, label string, mandatory bool, def string) field {
	f := newField(key, label, "text")
	f.Mandatory, f.Cardinality, f.DefaultValue = mandatory, "1", def
	return f
}

// categoryFields returns the target fields of a category: assets and
// manual targets for network injectors, the query (optionally narrowed to
// targets) for external ones, the account and regions for cloud ones.
func categoryFields(c framework.Category) []field {
	switch c {
	case framework.External:
		return append([]field{textField(KeyQuery, "Exposure query", true, "")}, targetFields(true)...)
	case framework.Cloud:
		return []field{
			textField(KeyCloudProvider, "Cloud provider", true, "aws"),
			textField(KeyCloudAccountID, "Cloud account id", true, ""),
			textField(KeyCloudRegion, "Cloud regions (comma-separated)", true, ""),
			textField(KeyTargetService, "Target service (optional)", false, ""),
		}
	}
	return targetFields(false)
}

func contractFields(m framework.Manifest) ([]field, error) {
	fields := categoryFields(m.Category)
	if len(m.Expectations) > 0 {
		exp := newField(KeyExpectations, "Expectations", "expectation")
		exp.Cardinality, exp.DefaultValue = "n", []string{}
		for _, t := range m.Expectations {
			e := expectation{Type: string(t), Name: title(strings.ToLower(string(t))), Score: 100, Predefined: true}
			exp.Available = append(exp.Available, e)
			exp.Predefined = append(exp.Predefined, e)
		}
		fields = append(fields, exp)
	}
	reserved := map[string]bool{}
	for _, f := range fields {
		reserved[f.Key] = true
	}
	for _, p := range m.Params {
		if reserved[p.Name] {
			return nil, &ValidationError{Field: m.Name + ".params", Value: p.Name, Reason: "name reserved by the contract's target fields"}
		}
		f, err := paramField(p)
		if err != nil {
			return nil, &ValidationError{Field: m.Name + ".params." + p.Name, Value: p.Type, Reason: err.Error()}
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// paramField maps a manifest param to a form field.
func paramField(p framework.Param) (field, error) {
	label := title(strings.ReplaceAll(p.Name, "_", " "))
	var f field
	switch p.Type {
	case framework.ParamString, framework.ParamDuration, "":
		f = newField(p.Name, label, "text")
		f.Cardinality, f.DefaultValue = "1", p.Default
	case framework.ParamInt:
		f = newField(p.Name, label, "number")
		f.Cardinality, f.DefaultValue = "1", p.Default
	case framework.ParamBool:
		f = newField(p.Name, label, "checkbox")
		f.DefaultValue = p.Default == "true"
	case framework.ParamEnum:
		if len(p.Enum) == 0 {
			return f, fmt.Errorf("enum declares no values")
		}
		f = newField(p.Name, label, "select")
		f.Cardinality = "1"
		f.Choices = map[string]string{}
		for _, v := range p.Enum {
			f.Choices[v] = v
		}
		def := p.Default
		if def == "" {
			def = p.Enum[0]
		}
		f.DefaultValue = []string{def}
	default:
		return f, fmt.Errorf("unknown param type")
	}
	f.Mandatory = p.Required
	return f, nil
}

func contractOutputs(m framework.Manifest) []output {
	out := make([]output, 0, len(m.Outputs)+1)
	for _, o := range m.Outputs {
		if o.Field == FieldExpectationSignatures {
			continue
		}
		labels := nonNilStrings(o.Labels)
		if len(labels) == 0 {
			labels = []string{m.Name}
		}
		out = append(out, output{Type: o.Type, Field: o.Field, Labels: labels, Finding: o.Finding, Multiple: o.Multiple})
	}
	return append(out, output{Type: OutputExpectationSignature, Field: FieldExpectationSignatures,
		Labels: []string{m.Name}, Multiple: true})
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// outputFields returns the Findings keys a manifest declares as outputs.
func outputFields(m *framework.Manifest) map[string]bool {
	if m == nil {
		return nil
	}
	out := map[string]bool{}
	for _, o := range m.Outputs {
		out[o.Field] = true
	}
	return out
}
