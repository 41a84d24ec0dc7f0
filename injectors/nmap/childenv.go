package nmap

import (
	"context"
	"os"
)

// environKey is the context key of the environment nmap is started with
// (withEnviron).
type environKey struct{}

// withEnviron returns ctx carrying environ, the environment of the nmap
// runs of one inject: the process's, less what the framework says a
// child must not inherit (framework.Inject.ChildEnv: every injector's
// Secret settings, URLs carrying a password such as a proxy's).
func withEnviron(ctx context.Context, environ []string) context.Context {
	return context.WithValue(ctx, environKey{}, environ)
}

// environOf is the environment withEnviron put in ctx, else the
// process's; childEnv then takes the prefixes nmap never inherits out of
// it.
func environOf(ctx context.Context) []string {
	if env, ok := ctx.Value(environKey{}).([]string); ok {
		return env
	}
	return os.Environ()
}
