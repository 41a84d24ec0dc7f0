package runtime

import (
	"slices"

	"github.com/injectkit/injectkit/framework"
)

// WithSecretEnv names the environment variables holding the caller's own
// secrets (the backend token's, INJECTKIT_TOKEN): they join the
// injectors' in every inject's framework.Inject.SecretEnv, so that a
// child process an executor starts (framework.Inject.ChildEnv) inherits
// them no more than another injector's API key. Repeated, the names add
// up.
func WithSecretEnv(names ...string) Option {
	return func(rt *Runtime) { rt.ownSecretEnv = append(rt.ownSecretEnv, names...) }
}

// secretEnvOf returns the environment variable names of every Secret
// setting of every injector reg holds, those its manifest names as
// its libraries' secrets (framework.Manifest.SecretEnv), and own, the
// caller's (WithSecretEnv): the inject's framework.Inject.SecretEnv,
// sorted, without duplicates: a child process an executor starts
// inherits none of them (framework.Inject.ChildEnv), whichever injector
// reads it. An injector whose factory or Manifest panics gives none: it
// never runs.
func secretEnvOf(reg *framework.Registry, own []string) []string {
	out := slices.Clone(own)
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
