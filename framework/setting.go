package framework

import (
	"os"
	"strings"
	"unicode/utf8"

	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/httpx"
)

// Setting returns the setting of m whose key is key as fold.Name folds
// them: the one rule by which a param, an inject's content key or a
// config key names a setting (endpoint_url, endpoint-url, Endpoint.URL
// and endpointUrl alike).
func (m Manifest) Setting(key string) (Setting, bool) {
	folded := fold.Name(key)
	for _, s := range m.Settings {
		if fold.Name(s.Key) == folded {
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

// MinLibrarySecretLen is the length, in characters, under which a value
// SecretEnv or ReadSecrets gives is not taken for a secret: a stand-in's
// placeholder (LocalStack's AWS_SECRET_ACCESS_KEY=test), redacted as a
// word from every injector's logs and output, would garble them
// ("[REDACTED].lab") and hides nothing. Real ones are longer: an AWS
// secret access key is 40 characters, session and container tokens more.
const MinLibrarySecretLen = 16

// LibrarySecrets returns the secrets the injector's libraries read on
// their own, which no setting of its gives: the values, trimmed, of the
// environment variables SecretEnv names that are set, and those
// ReadSecrets reads as settings select them, each of MinLibrarySecretLen
// characters or more; and, whatever their length, the credentials of the
// proxy net/http reads from the environment for every HTTP client
// (HTTPS_PROXY, HTTP_PROXY: httpx.ProxySecrets), which a proxy's answer,
// quoted by the library that got it, may show in the injector's error.
func (m Manifest) LibrarySecrets(settings map[string]string) []string {
	out := httpx.ProxySecrets(os.Getenv)
	keep := func(v string) {
		if v = strings.TrimSpace(v); utf8.RuneCountInString(v) >= MinLibrarySecretLen {
			out = append(out, v)
		}
	}
	for _, name := range m.SecretEnv {
		keep(os.Getenv(name))
	}
	if m.ReadSecrets != nil {
		for _, v := range m.ReadSecrets(settings) {
			keep(v)
		}
	}
	return out
}
