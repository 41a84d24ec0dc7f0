package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
)

// listedInjector is an injector as `BINARY injectors NAME -o json` prints
// it (cli's injector listing): the parts of its manifest a contract is
// made of. Its settings, and any key a newer listing adds, play no part.
type listedInjector struct {
	Name         string         `json:"name"`
	Category     string         `json:"category"` // "any": every category
	Description  string         `json:"description"`
	Params       []listedParam  `json:"params"`
	Expectations []string       `json:"expectations"`
	Outputs      []listedOutput `json:"outputs"`
	Platforms    []string       `json:"platforms"`
	// AttackPatterns are the contract's MITRE ATT&CK ids.
	AttackPatterns []string `json:"attack_patterns"`
	// Domains are names only: their colours are the platform's, those of
	// framework's Domain* values (DomainToClassify's for another name).
	Domains           []string            `json:"domains"`
	SecurityPlatforms map[string][]string `json:"security_platforms"`
	// Broken and InvalidManifest say why the binary cannot run it.
	Broken          string `json:"broken"`
	InvalidManifest string `json:"invalid_manifest"`
}

// listedParam is a param of a listedInjector; its default is typed as an
// inject file gives it (a number, true or false, a string, null).
type listedParam struct {
	Name     string          `json:"name"`
	Type     string          `json:"type"`
	Enum     []string        `json:"enum"`
	Default  json.RawMessage `json:"default"`
	Required bool            `json:"required"`
	Doc      string          `json:"doc"`
	Min      json.Number     `json:"min"`
	Max      json.Number     `json:"max"`
}

// listedOutput is an output of a listedInjector.
type listedOutput struct {
	Type     string   `json:"type"`
	Field    string   `json:"field"`
	Labels   []string `json:"labels"`
	Multiple bool     `json:"multiple"`
	Finding  bool     `json:"finding"`
}

// knownDomains are the platform's security domains, by name.
var knownDomains = []framework.Domain{framework.DomainEndpoint, framework.DomainNetwork, framework.DomainWebApp,
	framework.DomainEmail, framework.DomainDataExfil, framework.DomainURLFiltering, framework.DomainCloud,
	framework.DomainTabletop, framework.DomainAI, framework.DomainToClassify}

// readManifests reads a -manifest file: what `BINARY injectors NAME -o
// json` prints (one injector), or `BINARY injectors -o json` (a list of
// them). A file that is neither, or an injector the binary says it cannot
// run (broken, invalid_manifest) or whose manifest is invalid, is an error
// naming the file and the injector.
func readManifests(name string) ([]framework.Manifest, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("-manifest: %w", err)
	}
	what := func(err error) error {
		return fmt.Errorf("-manifest %s: %w (give what `BINARY injectors NAME -o json` prints)", name, err)
	}
	var listed []listedInjector
	switch trimmed := bytes.TrimSpace(data); {
	case len(trimmed) == 0:
		return nil, what(errors.New("empty file"))
	case trimmed[0] == '[':
		err = json.Unmarshal(trimmed, &listed)
	default:
		var one listedInjector
		err = json.Unmarshal(trimmed, &one)
		listed = []listedInjector{one}
	}
	if err != nil {
		return nil, what(err)
	}
	out := make([]framework.Manifest, 0, len(listed))
	for i, l := range listed {
		m, err := l.manifest()
		if err != nil {
			return nil, fmt.Errorf("-manifest %s: injector %d (%q): %w", name, i+1, l.Name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// manifest returns the manifest l lists.
func (l listedInjector) manifest() (framework.Manifest, error) {
	switch {
	case strings.TrimSpace(l.Name) == "":
		return framework.Manifest{}, errors.New(`no "name": not an injector listing`)
	case l.Broken != "":
		return framework.Manifest{}, fmt.Errorf("broken: %s", l.Broken)
	case l.InvalidManifest != "":
		return framework.Manifest{}, fmt.Errorf("invalid manifest: %s", l.InvalidManifest)
	}
	m := framework.Manifest{Name: l.Name, Description: l.Description, Platforms: l.Platforms, AttackPatterns: l.AttackPatterns}
	for _, o := range l.Outputs {
		m.Outputs = append(m.Outputs, framework.Output{Type: o.Type, Field: o.Field, Labels: o.Labels,
			Multiple: o.Multiple, Finding: o.Finding})
	}
	if l.Category != "any" {
		m.Category = framework.Category(l.Category)
	}
	for _, p := range l.Params {
		def, err := paramDefault(p.Default)
		if err != nil {
			return framework.Manifest{}, fmt.Errorf("param %q default %s: %w", p.Name, p.Default, err)
		}
		m.Params = append(m.Params, framework.Param{Name: p.Name, Type: p.Type, Default: def, Enum: p.Enum,
			Doc: p.Doc, Required: p.Required, Min: p.Min.String(), Max: p.Max.String()})
	}
	for _, e := range l.Expectations {
		m.Expectations = append(m.Expectations, framework.ExpectationType(e))
	}
	for _, name := range l.Domains {
		d := framework.Domain{Name: name, Color: framework.DomainToClassify.Color}
		for _, k := range knownDomains {
			if k.Name == name {
				d = k
			}
		}
		m.Domains = append(m.Domains, d)
	}
	if len(l.SecurityPlatforms) > 0 {
		m.SecurityPlatforms = map[framework.ExpectationType][]string{}
		for e, ps := range l.SecurityPlatforms {
			m.SecurityPlatforms[framework.ExpectationType(e)] = ps
		}
	}
	if err := framework.ValidateManifest(m); err != nil {
		return framework.Manifest{}, err
	}
	return m, nil
}

// paramDefault is a listed param's default as a manifest holds it: the
// text of a number or a boolean, a string as it is, "" for none.
func paramDefault(raw json.RawMessage) (string, error) {
	var v any
	if len(raw) == 0 {
		return "", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", errors.New("give a string, a number, true, false or null")
}

// manifestsOf returns the manifests of the named injectors of r. An
// unknown one, or one whose factory or Manifest panics (a
// *hook.PanicError naming it), is an error naming -register.
func manifestsOf(r *framework.Registry, names []string) ([]framework.Manifest, error) {
	var out []framework.Manifest
	for _, name := range names {
		ex, err := r.New(name)
		if err != nil {
			return nil, fmt.Errorf("-register: %w", err)
		}
		m, _, err := r.Manifest(name, ex)
		if err != nil {
			return nil, fmt.Errorf("-register: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// knownInjector refuses a -contract-of naming neither a built-in injector
// nor one of manifests: its injects' results could match no contract.
func knownInjector(name string, manifests []framework.Manifest) error {
	known := builtinRegistry().Names()
	for _, m := range manifests {
		if m.Name == name {
			return nil
		}
	}
	if slices.Contains(known, name) {
		return nil
	}
	return fmt.Errorf("-contract-of %q: unknown injector (known: %s; give a third-party injector's manifest with -manifest FILE)",
		name, strings.Join(known, ", "))
}

// register registers the manifests' contracts with the platform at url,
// as `injectkit serve` does.
func register(ctx context.Context, url, token string, manifests []framework.Manifest) error {
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: token, InjectorID: standinInjectorID,
		InjectorName: "openaev-standin", InjectorType: "injectkit"})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := c.Register(ctx, manifests, false); err != nil {
		return fmt.Errorf("register %d contracts: %w", len(manifests), err)
	}
	return nil
}
