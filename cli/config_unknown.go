package cli

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/fold"
)

// maxUnknownShown is how many unknown keys of a config file its error
// names; the others are counted.
const maxUnknownShown = 3

// unknownKey is a key of a config file no setting has, its line, and the
// key it names but for case and separators, if any ("query.shodan_api_key"
// for query.SHODAN_API_KEY or query.shodanApiKey, as env and the platform's
// settings match a name; "log_level" for LOG_LEVEL; "query" for QUERY).
type unknownKey struct {
	name string
	line int
	want string
	// near is the known key closest to name, a likely slip of it
	// ("timeout" for timout), when want is "" (see nearKey).
	near string
	// flat are the keys the settings nested under name are written as
	// (see flattened): log_level for `log: {level: debug}`, timeout for
	// `run: {timeout: 1m}`.
	flat []string
}

// maxFlatShown is how many of the keys a nested mapping's settings are
// written as an error names.
const maxFlatShown = 3

// flattened returns, for an unknown key whose value is a mapping, the
// keys its nested keys are written as, in the file's order: KEY_SUB when
// that is a setting (log: {level: …} is log_level), else SUB when it is
// one (settings grouped under a command's name, run: {timeout: …}); nil
// when val is no mapping or none of its keys is a setting. isKey reports
// the keys the config file takes: the commands' settings, the injectors'
// dotted settings and their names.
func flattened(key string, val *yaml.Node, isKey func(string) bool) []string {
	if val = deref(val); val.Kind != yaml.MappingNode || !settingName(key) {
		return nil
	}
	var out []string
	for j := 0; j+1 < len(val.Content); j += 2 {
		sub := val.Content[j].Value
		switch {
		case !settingName(sub):
		case isKey(key + "_" + sub):
			out = append(out, key+"_"+sub)
		case isKey(sub):
			out = append(out, sub)
		}
	}
	return out
}

// shown reports whether k's name is quoted in an error: it reads as a
// setting's name, or is one but for case and separators (it shows no
// more of the file than the setting's name then).
func (k unknownKey) shown() bool { return settingName(k.name) || k.want != "" }

// settingName reports whether s reads as a setting's name (snake_case,
// dotted under an injector's name: "bakend_url", "query.nope"): only such
// a key is quoted in an error. Any other is a line of a file that is no
// config (--config /etc/shadow makes each "user:hash:…:" line a key) and
// is named by its line alone, so that an error never shows a file's
// contents.
func settingName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '.' && r != '-' {
			return false
		}
	}
	return true
}

// unknownKeys says which keys of a config file are unknown, in the form of
// the file's other errors (config file c.yaml:2: unknown key targt): line
// is where the first one named is, and what says it and at most
// maxUnknownShown-1 more, those that read as setting names first, each
// in the order of the file with its line, then the lines of the others,
// and how many more there are. No value is ever shown, nor a key that is
// no setting name; one that names a setting but for case and separators
// is told the setting's name.
func unknownKeys(keys []unknownKey) (line int, what string) {
	slices.SortStableFunc(keys, func(a, b unknownKey) int {
		sa, sb := a.shown(), b.shown()
		switch {
		case sa && !sb:
			return -1
		case !sa && sb:
			return 1
		}
		return cmp.Compare(a.line, b.line)
	})
	var named, lines []string
	for i, k := range keys[:min(len(keys), maxUnknownShown)] {
		var detail []string
		if i > 0 { // the first one's line is the error's
			detail = append(detail, "line "+strconv.Itoa(k.line))
		}
		switch {
		case k.want != "" && fold.Name(k.name) != fold.Name(k.want):
			// Not a spelling of the key: its environment variable's name.
			detail = append(detail, "an environment variable's name: the config file's key is "+k.want)
		case k.want != "":
			detail = append(detail, "keys are written exactly, case and separators included: write "+k.want)
		case k.near != "":
			detail = append(detail, "did you mean "+k.near+"?")
		case len(k.flat) > 0:
			keys := strings.Join(k.flat[:min(len(k.flat), maxFlatShown)], ", ")
			if len(k.flat) > maxFlatShown {
				keys += fmt.Sprintf(" and %d more", len(k.flat)-maxFlatShown)
			}
			detail = append(detail, "settings are not nested: write "+keys+" at the top level")
		}
		switch {
		case !k.shown():
			lines = append(lines, strconv.Itoa(k.line))
		case len(detail) > 0:
			named = append(named, k.name+" ("+strings.Join(detail, "; ")+")")
		default:
			named = append(named, k.name)
		}
	}
	var parts []string
	if len(named) > 0 {
		parts = append(parts, "unknown key "+strings.Join(named, ", "))
	}
	switch {
	case len(lines) > 0 && len(named) == 0: // the first is on the error's line
		others := ""
		switch len(lines) {
		case 1:
		case 2:
			others = ", and on line " + lines[1]
		default:
			others = ", and on lines " + strings.Join(lines[1:], ", ")
		}
		parts = append(parts, "a key that is no setting name (not shown)"+others)
	case len(lines) > 0:
		what := "a key that is no setting name on line "
		if len(lines) > 1 {
			what = "keys that are no setting names on lines "
		}
		parts = append(parts, what+strings.Join(lines, ", ")+" (not shown)")
	}
	what = strings.Join(parts, "; ")
	if more := len(keys) - maxUnknownShown; more > 0 {
		what += fmt.Sprintf(" and %d more", more)
	}
	if len(named) == 0 {
		what += "; is it a YAML config file?"
	}
	return keys[0].line, what
}

// paramAdvice says, for the first unknown key of a config file that names
// a param of an injector under its name (params: NAME.PARAM → PARAM),
// that a param is given per inject, not in the config file: the reverse
// of the hint a setting given as a param gets. "" when none does.
func paramAdvice(keys []unknownKey, params map[string]string) string {
	for _, k := range keys {
		if p, ok := params[k.name]; ok {
			injector, _, _ := strings.Cut(k.name, ".")
			return "; " + perInject(p, injector, "in the config file", "")
		}
	}
	return ""
}

// settingAdvice says, for the first unknown key of a config file that is
// an injector's setting written without the injector's name before it
// (shodan_api_key, or SHODAN-API-KEY, for query.shodan_api_key), where it
// goes: under the name of each injector that has it. "" when none does.
func settingAdvice(keys []unknownKey, ms []framework.Manifest) string {
	for _, k := range keys {
		if strings.Contains(k.name, ".") || !k.shown() {
			continue
		}
		var owners, dotted []string
		key := ""
		for _, m := range ms {
			if s, ok := m.Setting(k.name); ok {
				key = s.Key
				owners = append(owners, m.Name)
				dotted = append(dotted, m.Name+"."+s.Key)
			}
		}
		if len(owners) > 0 {
			return fmt.Sprintf("; %s is a setting of %s: write it under the injector's name (%s)",
				key, orList(owners), orList(dotted))
		}
	}
	return ""
}

// perInject says that param of injector is given per inject, not where
// (the config file, the environment): the advice of a config key and of an
// environment variable naming it; also, when not "", how the environment
// gives it.
func perInject(param, injector, where, also string) string {
	return fmt.Sprintf("%s is a param of %s, given per inject, not %s: --param %s=VALUE%s, or the inject file's params",
		param, injector, where, param, also)
}

// spelledSetting returns the name, as the config file writes it
// ("query.shodan_api_key"), of the setting of injector name that key
// names but for case and separators, as env and the platform's settings
// are matched (framework.Manifest.Setting); "" when it names none. The
// injector's name is matched so too ("QUERY", "Query").
func spelledSetting(ms []framework.Manifest, name, key string) string {
	if key == "" {
		return ""
	}
	for _, m := range ms {
		if fold.Name(m.Name) != fold.Name(name) {
			continue
		}
		if s, ok := m.Setting(key); ok {
			return m.Name + "." + s.Key
		}
	}
	return ""
}

// spelledKey returns the key, as the config file writes it, that the
// unknown top-level key names but for case and separators: an injector's
// setting, dotted ("query.shodan_api_key" for Query.SHODAN_API_KEY), a
// setting of the command among known ("log_level" for LOG_LEVEL,
// logLevel or log-level) or an injector's name ("query" for QUERY:), or
// whose environment variable it names ("timeout" for INJECTKIT_TIMEOUT,
// "query.shodan_api_key" for INJECTKIT_SHODAN_API_KEY); "" when it names
// none.
func spelledKey(ms []framework.Manifest, known map[string]bool, key string) string {
	if name, sub, dotted := strings.Cut(key, "."); dotted {
		if want := spelledSetting(ms, name, sub); want != "" {
			return want
		}
	}
	folded := fold.Name(key)
	for _, k := range slices.Sorted(maps.Keys(known)) {
		if fold.Name(k) == folded && k != key {
			return k
		}
	}
	for _, m := range ms {
		if fold.Name(m.Name) == folded && m.Name != key {
			return m.Name
		}
	}
	// An environment variable's name (INJECTKIT_TIMEOUT, an injector's
	// INJECTKIT_SHODAN_API_KEY), copied from an environment file.
	if rest, ok := strings.CutPrefix(key, envPrefix); ok && known[strings.ToLower(rest)] {
		return strings.ToLower(rest)
	}
	for _, m := range ms {
		for _, s := range m.Settings {
			if s.Env != "" && s.Env == key {
				return m.Name + "." + s.Key
			}
		}
	}
	return ""
}

// nearKey returns the key of candidates closest to key, a likely slip of
// it (see fold.Closest: "timeout" for timout, "backend_url" for bakend_url),
// when key reads as a setting's name and want (the key it names but for
// case and separators) is ""; else "". The flags and the environment's
// variables are answered so too.
func nearKey(key, want string, candidates []string) string {
	if want != "" || !settingName(key) {
		return ""
	}
	return fold.Closest(key, candidates)
}
