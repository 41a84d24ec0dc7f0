package framework

import "strings"

// Setting returns the setting of m whose key is key, but for case: the
// one rule by which a param, an inject's content key or a config key
// names a setting.
func (m Manifest) Setting(key string) (Setting, bool) {
	for _, s := range m.Settings {
		if strings.EqualFold(s.Key, key) {
			return s, true
		}
	}
	return Setting{}, false
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
