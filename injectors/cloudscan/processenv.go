package cloudscan

import (
	"context"
	"os"
	"slices"
	"strings"
)

// The environment a profile's credential_process runs with. The AWS CLI
// and SDKs give such a helper (aws-vault, a Vault or SSO client) their
// whole environment: it needs the AWS_* variables (the profile, the
// region, the shared files) and the proxy it reaches its credential
// source through, the user's own. What injectkit holds besides is none of
// its business: the backend token (INJECTKIT_TOKEN), another injector's
// API key (INJECTKIT_SHODAN_API_KEY, a third-party injector's Secret
// setting of any name), injectkit's configuration. Given them, the helper,
// and whatever it starts, would hold them readable in its
// /proc/PID/environ and its core dumps.

// processEnvKey is the context key of the environment of an inject's
// credential_process runs (withProcessEnv).
type processEnvKey struct{}

// withProcessEnv returns ctx carrying the environment of the
// credential_process runs of the inject whose context it is:
// processEnv of environ and the inject's framework.Inject.SecretEnv.
func withProcessEnv(ctx context.Context, environ, secretEnv []string) context.Context {
	return context.WithValue(ctx, processEnvKey{}, processEnv(environ, secretEnv))
}

// processEnvOf is the environment withProcessEnv put in ctx, else the
// process's less injectkit's own variables.
func processEnvOf(ctx context.Context) []string {
	if env, ok := ctx.Value(processEnvKey{}).([]string); ok {
		return env
	}
	return processEnv(os.Environ(), nil)
}

// processEnv returns environ (key=value pairs) without every INJECTKIT_*
// variable and every variable secretEnv names other than AWS's own
// (AWS_*: the SDK's contract with the helper, the AWS CLI gives it them
// too). It is never nil: a nil exec.Cmd.Env would hand the helper the
// whole environment.
func processEnv(environ, secretEnv []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		key, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(key, "INJECTKIT_") || !strings.HasPrefix(key, "AWS_") && slices.Contains(secretEnv, key) {
			continue
		}
		out = append(out, kv)
	}
	return out
}
