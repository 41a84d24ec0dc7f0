package framework

import (
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/signatures"
)

// ReservedOutputField is the Findings key a wire profile fills with the
// inject's expectation signatures (the openaev profile's
// expectation_signatures output, on the platform's current line): no
// manifest output may take it.
const ReservedOutputField = "expectation_signatures"

// ValidateManifest checks what a manifest declares, whatever the profile
// that reports its injects: its category is one of network, cloud and
// external, spelt so, or empty (any); each expectation type is one of
// signatures.ExpectationTypes, spelt as it is (DETECTION, not detection),
// and declared once; each param has a name, a param name (lowercase
// letters, digits and underscores, as a Params struct's fields must be
// tagged: a name written by hand is held to the same rule), declared once
// (the contract would carry two form fields of one key), whose default,
// when given, is a value the param takes (ParseParam: an int's within its
// range, a bool, a duration not negative, one of an enum's values) and
// that has none when required (ParamsSpec's rule); each output has a field,
// declared once (a platform reads the key with the processor of each type
// it is declared with, and drops the result one of them refuses), that is
// not ReservedOutputField; each setting has a key, declared once (the
// later one's value would replace the earlier one's, whose variable is
// then ignored), that is no param's name (the setting "<injector>.<key>"
// and the param "<key>" would be two values of one name), made of
// lowercase letters, digits and underscores (a config file's key), and
// whose Env, when given, is an environment variable name (upper-case
// letters, digits and underscores, not starting with a digit; Field
// "<name>.settings.<key>.env").
// The cli calls it for every command that uses an injector (run,
// validate, injectors NAME, serve), whatever the profile, before anything
// runs; openaev.ValidateManifest (the check of a contract before
// registration) and frameworktest's Conformance call it too. Every bad
// value is reported, joined (errors.Join; errors.As finds the first),
// each a *signatures.ValidationError whose Field is
// "<name>.<field>" (the manifest's name, then category, expectations, params
// (params.<param> for its default),
// outputs or settings; with the index, params[i], when the name, field or
// key is empty) and whose Value is the value.
func ValidateManifest(m Manifest) error {
	errs := nulTexts(m)
	bad := func(field, value, reason string) error {
		return &signatures.ValidationError{Field: m.Name + "." + field, Value: value, Reason: reason}
	}
	switch m.Category {
	case "", Network, Cloud, External:
	default:
		// The runtime would refuse every target as not of this category
		// (blaming the target), and a contract of it has network fields.
		errs = append(errs, bad("category", string(m.Category),
			"not a category (want framework.Network, Cloud or External: network, cloud or external; empty for any)"))
	}
	seen := map[ExpectationType]bool{}
	for _, t := range m.Expectations {
		if !t.Valid() {
			errs = append(errs, bad("expectations", string(t), "not an expectation type (want one of "+expectationTypeList()+")"))
			continue
		}
		if seen[t] {
			errs = append(errs, bad("expectations", string(t), "declared twice"))
			continue
		}
		seen[t] = true
	}
	params := map[string]bool{}
	for i, p := range m.Params {
		if p.Name == "" {
			errs = append(errs, bad(fmt.Sprintf("params[%d]", i), "", "a param needs a name"))
			continue
		}
		if !validParamName(p.Name) {
			errs = append(errs, bad("params", p.Name, paramNameRule))
			continue
		}
		if params[p.Name] {
			errs = append(errs, bad("params", p.Name, "declared twice"))
			continue
		}
		params[p.Name] = true
		// A required param has no default: the run refuses it missing
		// whatever the default, and the contract would pre-fill the
		// platform's form with it, sent back unchosen.
		if p.Required && p.Default != "" {
			errs = append(errs, bad("params."+p.Name, p.Default, requiredDefault(p)))
			continue
		}
		// A default is a value of the param: the contract pre-fills the
		// platform's form with it, and the platform sends it back.
		if p.Default != "" && p.Type != ParamString {
			if _, err := parseParam(&Manifest{Params: []Param{p}}, p.Name, p.Default); err != nil {
				reason := err.Error()
				var ve *signatures.ValidationError
				if errors.As(err, &ve) {
					reason = ve.Reason
				}
				errs = append(errs, bad("params."+p.Name, p.Default, "default is no value of the param ("+p.Type+"): "+reason))
			}
		}
	}
	outputs := map[string]string{}
	for i, o := range m.Outputs {
		if o.Field == "" {
			errs = append(errs, bad(fmt.Sprintf("outputs[%d]", i), "", "an output needs a field"))
			continue
		}
		if o.Field == ReservedOutputField {
			errs = append(errs, bad("outputs", o.Field, "reserved: the profile puts the expectation signatures there"))
			continue
		}
		if first, dup := outputs[o.Field]; dup {
			errs = append(errs, bad("outputs", o.Field, "declared twice (as "+first+" and as "+o.Type+")"))
			continue
		}
		outputs[o.Field] = o.Type
	}
	settings := map[string]string{} // folded key (fold.Name): the key as declared
	envs := map[string]string{}     // env: the key of the setting read from it
	for i, s := range m.Settings {
		if s.Key == "" {
			errs = append(errs, bad(fmt.Sprintf("settings[%d]", i), "", "a setting needs a key"))
			continue
		}
		folded := fold.Name(s.Key)
		if first, dup := settings[folded]; dup {
			errs = append(errs, bad("settings", s.Key, "declared twice (as "+first+" and as "+s.Key+", one key in another spelling)"))
			continue
		}
		settings[folded] = s.Key
		for _, p := range m.Params {
			if fold.Name(p.Name) == folded {
				errs = append(errs, bad("settings", s.Key, "also the name of a param ("+p.Name+"), in that spelling or another"))
				break
			}
		}
		if !validParamName(s.Key) {
			errs = append(errs, bad("settings", s.Key, "not a setting key: want lowercase letters, digits and underscores (a config file key)"))
			continue
		}
		if s.Env != "" && !validEnvName(s.Env) {
			errs = append(errs, bad("settings."+s.Key+".env", s.Env, "not an environment variable name: want upper-case letters, digits and underscores, not starting with a digit"))
		}
		if first, dup := envs[s.Env]; s.Env != "" && dup {
			errs = append(errs, bad("settings."+s.Key+".env", s.Env, "also the env of setting "+first+": one variable would set both"))
		} else if s.Env != "" {
			envs[s.Env] = s.Key
		}
	}
	return errors.Join(errs...)
}

// expectationTypeList is signatures.ExpectationTypes, comma-separated.
func expectationTypeList() string {
	types := signatures.ExpectationTypes()
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
