package cli

import (
	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// shownSettings returns the settings as `injectors` prints them: the value
// of each setting that is not a secret (a secret's is never printed)
// redacted of every secret the process knows, in every form httpx.Redact
// knows. A secret pasted into another setting (a Shodan key written into
// shodan_base_url's path) is shown as [REDACTED] there, as the log lines
// of run and serve show it. The secrets are those a run or serve of the
// same configuration would redact: the token (platform's and backend's:
// flag, environment, config file), the user information of the backend's
// and platform's URLs, and the Secret settings and library secrets of
// every registered injector (ms), from every source. The settings' own
// defaults, written by the injector's author, are not the
// configuration's and are printed as they are.
func shownSettings(c *ucli.Context, o Options, cfg *injectorsConfig, settings injectorSettings, ms []framework.Manifest) injectorSettings {
	secrets := append(everySecret(c, o, cfg, envURLSecrets(o)...), secretValues(backendConfig{}, settings, ms)...)
	if len(secrets) == 0 {
		return settings
	}
	red := httpx.NewRedactor(secrets...)
	secret := map[string]map[string]bool{}
	for _, m := range ms {
		secret[m.Name] = map[string]bool{}
		for _, s := range m.Settings {
			secret[m.Name][s.Key] = s.Secret
		}
	}
	out := make(injectorSettings, len(settings))
	for name, values := range settings {
		shown := make(map[string]string, len(values))
		for key, v := range values {
			if !secret[name][key] {
				v = red.Redact(v)
			}
			shown[key] = v
		}
		out[name] = shown
	}
	return out
}

// envURLSecrets are the secrets of the user information of the backend's
// and the platform's URLs as the environment gives them: `injectors`
// decodes neither.
func envURLSecrets(o Options) []string {
	var out []string
	for _, key := range []string{"BACKEND_URL", "OPENAEV_URL"} {
		out = append(out, urlSecrets(o.Getenv(envPrefix+key))...)
	}
	return out
}

// redactedInjectors returns action with the error it exits with redacted
// as run's and validate's are (redactGiven): a setting it refuses is
// quoted as given, which may hold a secret pasted into it.
func redactedInjectors(o Options, action ucli.ActionFunc) ucli.ActionFunc {
	return func(c *ucli.Context) error {
		return redactGiven(c, o, nil, action(c), envURLSecrets(o)...)
	}
}
