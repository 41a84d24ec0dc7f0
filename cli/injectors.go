package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/openaev"
)

// injectorsConfig is the configuration of `injectkit injectors`. Its config
// file may be the one of `run` or `serve`: the injector settings it holds
// are shown, their other keys are ignored.
type injectorsConfig struct {
	Output string `config:"output" enum:"text|json" usage:"output format: text (default) or json"`
	Log    logConfig
	origins
}

func injectorsCommand(o Options) *ucli.Command {
	cmd := command("injectors", "[<injector>]", "list the registered injectors, or show one with its params and settings",
		"Without a name, lists each injector with its category, description and params, wrapped to",
		"$COLUMNS columns (else 100). With one, shows its params (--param KEY=VALUE) with their types",
		"and defaults, and its settings (config file key or environment variable) with their defaults",
		"and the value the configuration gives them; a secret setting only says whether it is set.", "", injectorsExitHelp)
	cmd.Flags = withShort(flagsOf(o.name(), reflect.TypeFor[injectorsConfig](), nil), "output", "o")
	cmd.Action = func(c *ucli.Context) error {
		if c.NArg() > 1 {
			return argsError(c, o, c.Command.Name, "at most one injector name")
		}
		set := o.injectors()
		ms, broken := set.manifests(), set.brokenInjectors()
		var cfg injectorsConfig
		settings, err := loadConfig(c, o, ms, &cfg)
		if err != nil {
			return err
		}
		if len(cfg.strayEnv) > 0 || cfg.config != "" {
			// The WARNs of unknown variables and of a config file others
			// may read or change: each without the other too.
			log, err := newLogger(o.Stderr, cfg.Log)
			if err != nil {
				return err
			}
			cfg.warnStrayEnv(log, o.name())
		}
		shown := shownSettings(c, o, &cfg, settings, ms)
		if name := c.Args().First(); name != "" {
			if _, err := set.executor(name); err != nil {
				return err
			}
			for _, m := range ms {
				if m.Name == name {
					ms = []framework.Manifest{m}
				}
			}
			// A setting given that the injector refuses is refused here
			// as run refuses it, before anything is shown; one unset,
			// even required, is shown as such, and so is the injector
			// whose Configure panics (a bug, not a setting).
			var pe *hook.PanicError
			if err := checkSettings(set, ms, settings, &cfg.origins); err != nil && !errors.As(err, &pe) {
				return err
			}
			if cfg.Output == outputJSON {
				// Marked as the listing marks it, and as the text says
				// under its description.
				one := injectorOf(ms[0], shown[name])
				one.OpenAEVRefuses = openaevRefusal(ms[0])
				return writeJSON(o, one)
			}
			return showInjector(o, ms[0], shown[name])
		}
		if cfg.Output == outputJSON {
			list := make([]injectorJSON, len(ms))
			for i, m := range ms {
				list[i] = injectorOf(m, shown[m.Name])
				if list[i].InvalidManifest = set.invalidManifest(m.Name); list[i].InvalidManifest == "" {
					list[i].OpenAEVRefuses = openaevRefusal(m)
				}
			}
			for _, pe := range broken {
				list = append(list, injectorJSON{Name: pe.Injector, Category: "any", Broken: pe.Error(),
					Params: []paramJSON{}, Settings: []settingJSON{}, Expectations: []string{}, Outputs: []findingOutputJSON{},
					Platforms: []string{}, AttackPatterns: []string{}, Domains: []string{}, SecurityPlatforms: map[string][]string{}})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
			return writeJSON(o, list)
		}
		return listInjectors(o, set)
	}
	cmd.Action = redactedInjectors(o, cmd.Action)
	return cmd
}

// openaevRefusal is the errors openaev.ValidateManifest finds in a
// manifest framework.ValidateManifest accepts, on the current line ("; "
// between them), "" when it finds none: the openaev profile and serve
// refuse the injector with them, the platform would refuse its contract.
func openaevRefusal(m framework.Manifest) string {
	if framework.ValidateManifest(m) != nil {
		return "" // invalid for every profile: invalidManifest says why
	}
	if err := openaev.ValidateManifest(m, openaev.PlatformVersion{Current: true}); err != nil {
		return joinedLine(err)
	}
	return ""
}

// joinedLine is err on one line, joined errors separated by "; ".
func joinedLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// injectorJSON is an injector as `injectors -o json` prints it.
type injectorJSON struct {
	Name         string              `json:"name"`
	Category     string              `json:"category"` // "any" when it takes every category
	Description  string              `json:"description"`
	Params       []paramJSON         `json:"params"`
	Settings     []settingJSON       `json:"settings"`
	Expectations []string            `json:"expectations"`
	Outputs      []findingOutputJSON `json:"outputs"`
	Platforms    []string            `json:"platforms"`
	// AttackPatterns are the MITRE ATT&CK ids the contract names
	// (framework.Manifest.AttackPatterns, the registration's
	// contract_attack_patterns_external_ids).
	AttackPatterns []string `json:"attack_patterns"`
	// Domains are the contract's security domains; SecurityPlatforms, by
	// expectation type, the kinds of security platform expected to answer.
	Domains           []string            `json:"domains"`
	SecurityPlatforms map[string][]string `json:"security_platforms"`
	// Broken says why an injector cannot run: its factory or Manifest
	// panicked (a bug of the injector). Absent for the others.
	Broken string `json:"broken,omitempty"`
	// InvalidManifest is the errors framework.ValidateManifest finds
	// in its manifest, or where its params differ from its NewParams
	// struct's (drift.Params), why every command that uses it
	// exits 2 (listing only; absent for a valid one).
	InvalidManifest string `json:"invalid_manifest,omitempty"`
	// OpenAEVRefuses is what openaev.ValidateManifest finds in a manifest
	// valid otherwise: why the openaev profile and serve refuse it, the
	// platform its contract (absent when it finds nothing).
	OpenAEVRefuses string `json:"openaev_refuses,omitempty"`
}

type paramJSON struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Enum     []string `json:"enum,omitempty"`
	Default  any      `json:"default"` // typed as an inject file gives the param (see typedDefault)
	Required bool     `json:"required"`
	Doc      string   `json:"doc"`
	// Min and Max are an int param's range (its tag's, or a Go type's
	// narrower than int64), as the text output shows it
	// (framework.Param); omitted otherwise.
	Min json.Number `json:"min,omitempty"`
	Max json.Number `json:"max,omitempty"`
}

// MarshalJSON leaves "default" out for a required param without one, as
// the text output does: it has no default, not an empty one.
func (p paramJSON) MarshalJSON() ([]byte, error) {
	type plain paramJSON
	if !p.Required || (p.Default != nil && p.Default != "") {
		return json.Marshal(plain(p))
	}
	return json.Marshal(struct {
		plain
		Default *struct{} `json:"default,omitempty"` // hides plain's
	}{plain: plain(p)})
}

// settingJSON is one setting. A secret's default and value are never
// printed. Required says that every inject of the injector fails without
// it (framework.Setting); Set whether it has a value, from the
// configuration or its default.
type settingJSON struct {
	Key       string  `json:"key"`
	ConfigKey string  `json:"config_key"`
	Env       string  `json:"env,omitempty"`
	Default   *string `json:"default,omitempty"`
	Value     *string `json:"value,omitempty"`
	Secret    bool    `json:"secret"`
	Required  bool    `json:"required"`
	Set       bool    `json:"set"`
	Doc       string  `json:"doc"`
}

// findingOutputJSON is one output of the contract, with every part the
// registration declares of it (its labels included).
type findingOutputJSON struct {
	Type     string   `json:"type"`
	Field    string   `json:"field"`
	Labels   []string `json:"labels"`
	Multiple bool     `json:"multiple"`
	Finding  bool     `json:"finding"`
}

// typedDefault is a param's default as an inject file gives it: a number
// for an int, true or false for a bool (null when it has none), a string
// for the others (a duration as "10s").
func typedDefault(p framework.Param) any {
	switch p.Type {
	case framework.ParamInt:
		if n, err := strconv.ParseInt(p.Default, 10, 64); err == nil {
			return n
		}
	case framework.ParamBool:
		if b, err := strconv.ParseBool(p.Default); err == nil {
			return b
		}
	default:
		return p.Default
	}
	if p.Default == "" {
		return nil
	}
	return p.Default
}

// injectorOf returns m as printed, with the values the configuration gives
// its settings.
func injectorOf(m framework.Manifest, values map[string]string) injectorJSON {
	out := injectorJSON{Name: m.Name, Category: category(m), Description: m.Description,
		Params: []paramJSON{}, Settings: []settingJSON{}, Expectations: []string{}, Outputs: []findingOutputJSON{},
		Platforms: append([]string{}, m.Platforms...), AttackPatterns: append([]string{}, m.AttackPatterns...)}
	for _, p := range m.Params {
		out.Params = append(out.Params, paramJSON{Name: p.Name, Type: p.Type, Enum: p.Enum, Default: typedDefault(p),
			Required: p.Required, Doc: p.Doc, Min: json.Number(p.Min), Max: json.Number(p.Max)})
	}
	for _, s := range m.Settings {
		v := values[s.Key]
		js := settingJSON{Key: s.Key, ConfigKey: m.Name + "." + s.Key, Env: s.Env, Secret: s.Secret,
			Required: s.Required, Set: settingSet(s, v), Doc: s.Doc}
		if !s.Secret {
			def, shown := shownSetting(s.Default), shownSetting(v)
			js.Default, js.Value = &def, &shown
		}
		out.Settings = append(out.Settings, js)
	}
	for _, e := range m.Expectations {
		out.Expectations = append(out.Expectations, string(e))
	}
	out.Domains, out.SecurityPlatforms = []string{}, map[string][]string{}
	for _, d := range m.Domains {
		out.Domains = append(out.Domains, d.Name)
	}
	for e, ps := range m.SecurityPlatforms {
		out.SecurityPlatforms[string(e)] = append([]string{}, ps...)
	}
	for _, op := range m.Outputs {
		out.Outputs = append(out.Outputs, findingOutputJSON{Type: op.Type, Field: op.Field, Labels: append([]string{}, op.Labels...),
			Multiple: op.Multiple, Finding: op.Finding})
	}
	return out
}

// settingSet reports whether the setting s has a value, as run reads
// value: a required setting given white space alone has none, and run
// refuses it as unset (unsetRequired: every inject of its injector fails
// without it), so the listing does not call it set.
func settingSet(s framework.Setting, value string) bool {
	if s.Required {
		return strings.TrimSpace(value) != ""
	}
	return value != ""
}

// shownSetting is the value of a setting as injectors prints it: a URL
// (any value holding "://", whatever the setting) as httpx.MaskURL shows
// it, its user information, query values and fragment as REDACTED, as run
// and validate name it; any other value as it is.
func shownSetting(v string) string {
	if strings.Contains(v, "://") {
		return httpx.MaskURL(v)
	}
	return v
}

func category(m framework.Manifest) string {
	if m.Category == "" {
		return "any"
	}
	return string(m.Category)
}

// writeJSON prints v as indented JSON.
func writeJSON(o Options, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(o.Stdout, "%s\n", b)
	return err
}
