package runtime

import (
	"slices"

	"github.com/injectkit/injectkit/framework"
)

// secretEnvOf returns the environment variable names of every Secret
// setting of every injector reg holds, and those its manifest names as
// its libraries' secrets (framework.Manifest.SecretEnv): the inject's
// framework.Inject.SecretEnv, sorted,
// without duplicates: a child process an executor starts inherits none of
// them (framework.Inject.ChildEnv), whichever injector reads it. An
// injector whose factory or Manifest panics gives none: it never runs.
func secretEnvOf(reg *framework.Registry) []string {
	var out []string
	for _, name := range reg.Names() {
		ex, err := reg.New(name)
		if err != nil {
			continue
		}
		m, _, err := reg.Manifest(name, ex)
		if err != nil {
			continue
		}
		out = append(out, m.SecretEnv...)
		for _, s := range m.Settings {
			if s.Secret && s.Env != "" {
				out = append(out, s.Env)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
