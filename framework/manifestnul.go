package framework

import (
	"fmt"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// U+0000 in a manifest's text is refused by ValidateManifest: no text an
// injector declares has a use for it, and a platform that stores the
// manifest may not store it. OpenAEV 2.4.0's PostgreSQL refuses a string
// parameter holding one (its JDBC driver: "Zero bytes may not occur in
// string parameters"), so that a registration whose contract labels,
// domains or attack patterns hold one fails (openaevtest's rule 12); in
// the contract's content (TEXT holding the contract's JSON) it is the
// escape \u0000, stored as text, and reaches every form and inject made
// with the contract. So the manifest is refused before anything is sent.

// nulTexts returns an error for each text of m that holds U+0000,
// naming its field as ValidateManifest does (nmap.params.ports.doc).
func nulTexts(m Manifest) []error {
	var errs []error
	const reason = "holds U+0000 (NUL), which no text of a manifest may hold: the platform's database refuses it"
	check := func(field, value string) {
		if strings.IndexByte(value, 0) >= 0 {
			errs = append(errs, &signatures.ValidationError{Field: m.Name + "." + field, Value: value, Reason: reason})
		}
	}
	each := func(field string, values []string) {
		for i, v := range values {
			check(fmt.Sprintf("%s[%d]", field, i), v)
		}
	}
	// named checks the name of the item at index i of list (its field
	// nameField) and returns the key naming the item's other fields: by
	// its name (params.ports), by its index when the name is empty or
	// holds a NUL (params[0]).
	named := func(list string, i int, nameField, name string) string {
		key := fmt.Sprintf("%s[%d]", list, i)
		check(key+"."+nameField, name)
		if name == "" || strings.IndexByte(name, 0) >= 0 {
			return key
		}
		return list + "." + name
	}
	if strings.IndexByte(m.Name, 0) >= 0 {
		errs = append(errs, &signatures.ValidationError{Field: "name", Value: m.Name, Reason: reason})
	}
	check("description", m.Description)
	for i, p := range m.Params {
		key := named("params", i, "name", p.Name)
		check(key+".default", p.Default)
		check(key+".doc", p.Doc)
		check(key+".example", p.Example)
		each(key+".enum", p.Enum)
	}
	for i, s := range m.Settings {
		key := named("settings", i, "key", s.Key)
		check(key+".env", s.Env)
		check(key+".default", s.Default)
		check(key+".doc", s.Doc)
	}
	each("secret_env", m.SecretEnv)
	for i, o := range m.Outputs {
		key := fmt.Sprintf("outputs[%d]", i)
		check(key+".field", o.Field)
		check(key+".type", o.Type)
		each(key+".labels", o.Labels)
	}
	each("platforms", m.Platforms)
	each("attack_patterns", m.AttackPatterns)
	for i, d := range m.Domains {
		check(fmt.Sprintf("domains[%d].name", i), d.Name)
		check(fmt.Sprintf("domains[%d].color", i), d.Color)
	}
	types := make([]ExpectationType, 0, len(m.SecurityPlatforms))
	for t := range m.SecurityPlatforms {
		types = append(types, t)
	}
	slices.Sort(types)
	for _, t := range types {
		each("security_platforms."+string(t), m.SecurityPlatforms[t])
	}
	return errs
}
