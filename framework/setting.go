package framework

import (
	"os"
	"strings"
	"unicode"
)

// Setting returns the setting of m whose key is key as FoldName folds
// them: the one rule by which a param, an inject's content key or a
// config key names a setting (endpoint_url, endpoint-url, Endpoint.URL
// and endpointUrl alike).
func (m Manifest) Setting(key string) (Setting, bool) {
	folded := FoldName(key)
	for _, s := range m.Settings {
		if FoldName(s.Key) == folded {
			return s, true
		}
	}
	return Setting{}, false
}

// FoldName folds a setting's name for comparison: lower case, without
// the separators '-', '_', '.' and space, so that a name in any spelling
// (kebab, snake, dotted, camelCase, spaced) folds to the same. It is the
// one rule by which a host matches a name the user spelled otherwise (a
// config key, an injector's name) to the one declared.
func FoldName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// SettingWhere says where the host gives the setting s of m, as the
// errors and logs that ask for it say it: "env INJECTKIT_QUERY_SHODAN_API_KEY
// or query.shodan_api_key in the config file" ("query.shodan_api_key in
// the config file" when s has no Env).
func (m Manifest) SettingWhere(s Setting) string {
	where := m.Name + "." + s.Key + " in the config file"
	if s.Env != "" {
		where = "env " + s.Env + " or " + where
	}
	return where
}

// LibrarySecrets returns the secrets the injector's libraries read on
// their own, which no setting of its gives: the values, trimmed, of the
// environment variables SecretEnv names that are set and not blank, and
// those ReadSecrets reads as settings select them.
func (m Manifest) LibrarySecrets(settings map[string]string) []string {
	var out []string
	for _, name := range m.SecretEnv {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			out = append(out, v)
		}
	}
	if m.ReadSecrets != nil {
		for _, v := range m.ReadSecrets(settings) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
