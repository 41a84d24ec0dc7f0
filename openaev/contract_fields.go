package openaev

import (
	"errors"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The form fields of a contract: target selection by category, the
// expectations and one field per manifest param.

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
	manual.DefaultValue = ""
	if optional {
		manual.Label = "Narrow the query to targets (comma-separated IPv4 addresses or host names; optional)"
		manual.MandatoryConditionFields, manual.MandatoryConditionValues = []string{}, map[string]any{}
	}
	return []field{sel, assets, groups, prop, manual}
}

// textField is a text field: like the platform's ContractText, no
// cardinality and a string default. (The platform's form pre-fills a field
// of cardinality "1" with defaultValue[0]: a string's first character.)
func textField(key, label string, mandatory bool, def string) field {
	f := newField(key, label, "text")
	f.Mandatory, f.DefaultValue = mandatory, def
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
			textField(KeyCloudProvider, "Cloud provider", true, DefaultCloudProvider),
			textField(KeyCloudAccountID, "Cloud account id", true, ""),
			textField(KeyCloudRegion, "Cloud regions (comma-separated)", true, ""),
			textField(KeyTargetService, "Target service (optional)", false, ""),
		}
	}
	return targetFields(false)
}

// expectationName is the expectation_name a contract gives an expectation
// of type t, the name the platform shows for the inject's expectation:
// "Detection" and "Prevention", and "Not vulnerable" for VULNERABILITY, the
// name the platform's own contracts and injects hold (2.4.0's migration
// V4_06__Fix_vulnerability_expectations renamed every other one so; the
// official injectors' contracts, shodan, nuclei, censys, netexec, name it
// so; ExpectationType.VULNERABILITY's success label). Any other type is its
// name capitalised.
func expectationName(t signatures.ExpectationType) string {
	if t == framework.Vulnerability {
		return "Not vulnerable"
	}
	return title(strings.ToLower(string(t)))
}

// paramLabel is the label of param p's field in the inject form: its
// name, "_" as spaces, capitalised (scan_type: "Scan type").
func paramLabel(p framework.Param) string {
	return title(strings.ReplaceAll(p.Name, "_", " "))
}

func contractFields(m framework.Manifest) ([]field, error) {
	fields := categoryFields(m.Category)
	if len(m.Expectations) > 0 {
		exp := newField(KeyExpectations, "Expectations", "expectation")
		exp.Cardinality, exp.DefaultValue = "n", []string{}
		for _, t := range m.Expectations {
			e := expectation{Type: string(t), Name: expectationName(t), Score: 100, Predefined: true,
				SecurityPlatforms: nonNilStrings(m.SecurityPlatforms[t])}
			exp.Available = append(exp.Available, e)
			exp.Predefined = append(exp.Predefined, e)
		}
		fields = append(fields, exp)
	}
	reserved := map[string]bool{}
	for _, f := range fields {
		reserved[f.Key] = true
	}
	var errs []error
	for _, p := range m.Params {
		if reserved[p.Name] {
			errs = append(errs, &ValidationError{Field: m.Name + ".params", Value: p.Name, Reason: "name reserved by the contract's target fields"})
			continue
		}
		f, err := paramField(p)
		if err != nil {
			err.Field = m.Name + ".params." + p.Name
			errs = append(errs, err)
			continue
		}
		fields = append(fields, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...) // every bad param
	}
	return fields, nil
}

// paramField maps a manifest param to a form field of the shape of the
// platform's field class (the form reads each by its shape): text
// (ContractText) and number (ContractNumber) have no cardinality and a
// string, or JSON number (null when none), default; checkbox
// (ContractCheckbox) a boolean default; select (ContractSelect) a
// cardinality and a list default. The error's Field is left to the caller.
func paramField(p framework.Param) (field, *ValidationError) {
	label := paramLabel(p)
	var f field
	switch p.Type {
	case framework.ParamString, framework.ParamDuration, "":
		f = textField(p.Name, label, p.Required, p.Default)
	case framework.ParamInt:
		// A default that is no value of the param is refused by
		// framework.ValidateManifest, which ValidateManifest calls first.
		f = newField(p.Name, label, "number")
		if n, err := (&framework.Manifest{Params: []framework.Param{p}}).ParseParam(p.Name, p.Default); p.Default != "" && err == nil {
			f.DefaultValue = n
		}
	case framework.ParamBool:
		// ContractCheckbox's defaultValue is a boolean (false when none).
		// The default is read as the param itself is (framework.Manifest.ParseParam:
		// "1", "True", "t" are true), so that the box shows what the
		// injector runs with when left alone.
		f = newField(p.Name, label, "checkbox")
		f.DefaultValue = false
		if b, err := (&framework.Manifest{Params: []framework.Param{p}}).ParseParam(p.Name, p.Default); p.Default != "" && err == nil {
			f.DefaultValue = b
		}
	case framework.ParamEnum:
		if len(p.Enum) == 0 {
			return f, &ValidationError{Value: p.Type, Reason: "enum declares no values"}
		}
		f = newField(p.Name, label, "select")
		f.Cardinality = "1"
		f.Choices = map[string]string{}
		for _, v := range p.Enum {
			f.Choices[v] = v
		}
		// A required enum without a default has none on the form either:
		// 2.4.0's InjectForm pre-fills it empty and its mandatory rule
		// (utils.ts getValidatingRule: a non-empty string) makes the user
		// choose, where its first value would run unchosen.
		def := p.Default
		if def == "" && !p.Required {
			def = p.Enum[0]
		}
		f.DefaultValue = []string{}
		if def != "" {
			f.DefaultValue = []string{def}
		}
	default:
		return f, &ValidationError{Value: p.Type, Reason: "unknown param type"}
	}
	f.Mandatory = p.Required
	return f, nil
}
