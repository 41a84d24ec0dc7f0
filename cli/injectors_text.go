package cli

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// The text of `injectkit injectors`: no line longer than the terminal
// ($COLUMNS), else 100 columns.

const (
	defaultWidth = 100
	minWidth     = 40
)

// textWidth is $COLUMNS when it is a number of at least minWidth, else
// defaultWidth.
func textWidth(o Options) int {
	if n, err := strconv.Atoi(strings.TrimSpace(o.Getenv("COLUMNS"))); err == nil && n >= minWidth {
		return n
	}
	return defaultWidth
}

// wrap cuts text into lines of at most width runes, between words; a word
// longer than a line (a setting's value: a long URL) starts a line and is
// broken over as many as it needs, every character kept: cut short, the
// value the configuration gives would be shown without its end.
func wrap(text string, width int) []string {
	width = max(width, 10)
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if r := []rune(w); len(r) > width {
			if line != "" {
				lines = append(lines, line)
			}
			for ; len(r) > width; r = r[width:] {
				lines = append(lines, string(r[:width]))
			}
			line = string(r)
			continue
		}
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// para writes text wrapped to width, each line after indent.
func para(w io.Writer, indent, text string, width int) {
	for _, l := range wrap(text, width-len(indent)) {
		fmt.Fprintf(w, "%s%s\n", indent, l)
	}
}

// listInjectors prints one entry an injector: its name, its category, and
// in a column of their own its description, "invalid manifest: <first
// error>" when framework.ValidateManifest refuses its manifest or its
// params differ from its NewParams struct's (every command that uses it
// exits 2: injectorSet.invalidManifest), and the names of its params,
// wrapped.
func listInjectors(o Options, set *injectorSet) error {
	ms, broken := set.manifests(), set.brokenInjectors()
	for _, pe := range broken { // listed as such, its reason as its description
		ms = append(ms, framework.Manifest{Name: pe.Injector, Category: "BROKEN", Description: pe.Error()})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	width := textWidth(o)
	nameW, catW := len("NAME"), len("CATEGORY")
	for _, m := range ms {
		nameW, catW = max(nameW, len(m.Name)), max(catW, len(category(m)))
	}
	nameW, catW = nameW+2, catW+2
	indent := strings.Repeat(" ", nameW+catW)
	descW := width - nameW - catW
	fmt.Fprintf(o.Stdout, "%-*s%-*s%s\n", nameW, "NAME", catW, "CATEGORY", "DESCRIPTION")
	for _, m := range ms {
		lines := wrap(m.Description, descW)
		if len(lines) == 0 {
			lines = []string{""}
		}
		fmt.Fprintf(o.Stdout, "%-*s%-*s%s\n", nameW, m.Name, catW, category(m), lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(o.Stdout, "%s%s\n", indent, l)
		}
		invalid := set.invalidManifest(m.Name)
		if invalid != "" {
			para(o.Stdout, indent, "invalid manifest: "+invalid, width)
		}
		if bad := openaevRefusal(m); bad != "" && invalid == "" && m.Category != "BROKEN" {
			para(o.Stdout, indent, "OpenAEV refuses it: "+bad, width)
		}
		if len(m.Params) > 0 {
			names := make([]string, len(m.Params))
			for i, p := range m.Params {
				names[i] = p.Name
			}
			para(o.Stdout, indent, "params: "+strings.Join(names, ", "), width)
		}
	}
	fmt.Fprintln(o.Stdout)
	para(o.Stdout, "", "Params and settings of one, with their defaults: "+o.name()+" injectors <injector>", width)
	return nil
}

// showInjector prints one injector: its description, what it declares,
// its params and its settings with their defaults, and the value the
// configuration gives each setting (for a secret, only whether it is set).
func showInjector(o Options, m framework.Manifest, values map[string]string) error {
	width, w := textWidth(o), o.Stdout
	fmt.Fprintf(w, "%s (%s targets)\n", m.Name, category(m))
	para(w, "   ", m.Description, width)
	if bad := openaevRefusal(m); bad != "" {
		para(w, "   ", "OpenAEV refuses it, so the openaev profile and serve do: "+bad, width)
	}
	var facts []string
	if len(m.Expectations) > 0 {
		es := make([]string, len(m.Expectations))
		for i, e := range m.Expectations {
			es[i] = string(e)
		}
		facts = append(facts, "expectations: "+strings.Join(es, ", "))
	}
	if len(m.Outputs) > 0 {
		outs := make([]string, len(m.Outputs))
		for i, op := range m.Outputs {
			outs[i] = op.Field + " (" + op.Type + ")"
		}
		facts = append(facts, "findings: "+strings.Join(outs, ", "))
	}
	if len(m.Platforms) > 0 {
		facts = append(facts, "platforms: "+strings.Join(m.Platforms, ", "))
	}
	if len(m.Domains) > 0 {
		ds := make([]string, len(m.Domains))
		for i, d := range m.Domains {
			ds[i] = d.Name
		}
		facts = append(facts, "domains: "+strings.Join(ds, ", "))
	}
	for _, e := range m.Expectations { // in the manifest's order
		if ps := m.SecurityPlatforms[e]; len(ps) > 0 {
			facts = append(facts, "answered by ("+string(e)+"): "+strings.Join(ps, ", "))
		}
	}
	for _, f := range facts {
		para(w, "   ", f, width)
	}
	fmt.Fprintln(w)
	para(w, "", `PARAMS (--param KEY=VALUE, or "params" in the inject file):`, width)
	if len(m.Params) == 0 {
		fmt.Fprintln(w, "   none")
	}
	for _, p := range m.Params {
		para(w, "   ", paramLine(p), width)
		para(w, "      ", p.Doc, width)
	}
	fmt.Fprintln(w)
	para(w, "", "SETTINGS (key "+m.Name+".KEY in the config file, or the environment variable):", width)
	if len(m.Settings) == 0 {
		fmt.Fprintln(w, "   none")
	}
	for _, s := range m.Settings {
		para(w, "   ", settingLine(s, values[s.Key]), width)
		para(w, "      ", s.Doc, width)
	}
	return nil
}

// paramLine is "name <type>, default d[, required]" ("no default" in
// place of "default d" when the param is optional and has none); the type
// of a bounded int is "int from min to max".
func paramLine(p framework.Param) string {
	typ := p.Type
	switch {
	case p.Type == framework.ParamEnum:
		typ = strings.Join(p.Enum, "|")
	case p.Min != "" || p.Max != "":
		typ += " from " + p.Min + " to " + p.Max
	}
	line := p.Name + " <" + typ + ">"
	switch {
	case p.Default != "":
		line += ", default " + p.Default
	case !p.Required: // a required param has no default to speak of
		line += ", no default"
	}
	if p.Required {
		line += ", required"
	}
	return line
}

// settingLine is "key, env VAR, default d[, required][, set to v]" ("no
// default" in place of "default d" when it has none): for a secret,
// "secret, set" or "secret, not set" in place of the default and the
// value, never shown. A required setting given white space alone is "not
// set (given blank)", as run refuses it (settingSet).
func settingLine(s framework.Setting, value string) string {
	line := s.Key
	if s.Env != "" {
		line += ", env " + s.Env
	}
	blank := value != "" && !settingSet(s, value)
	switch {
	case s.Secret && blank:
		line += ", secret, not set (given blank)"
	case s.Secret && value != "":
		line += ", secret, set"
	case s.Secret:
		line += ", secret, not set"
	case s.Default == "":
		line += ", no default"
	default:
		line += ", default " + shownSetting(s.Default)
	}
	if s.Required {
		line += ", required"
	}
	switch {
	case s.Secret || value == s.Default:
	case blank:
		line += ", not set (given blank)"
	default:
		line += ", set to " + strconv.Quote(shownSetting(value))
	}
	return line
}
