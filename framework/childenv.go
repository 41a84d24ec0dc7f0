package framework

import (
	"net/url"
	"slices"
	"strings"
)

// ChildEnv returns environ (key=value pairs, as os.Environ gives them)
// without what a child process the executor starts (a scanner, a helper
// binary) must not inherit: the variables SecretEnv names (another
// injector's API key, whatever its name), and every variable whose value
// is a URL carrying user information (HTTPS_PROXY=http://user:pass@proxy,
// a database URL), whose password a child would read in its environment
// as any process of the same user does in /proc/PID/environ, and a core
// dump keeps. A child that needs one is given it by the executor, not
// inherited. It is never nil: a nil exec.Cmd.Env would hand the child the
// whole environment.
func (in *Inject) ChildEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		key, value, _ := strings.Cut(kv, "=")
		if slices.Contains(in.SecretEnv, key) || credentialURL(value) {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// credentialURL reports whether v is a URL with user information
// (scheme://user[:password]@host…).
func credentialURL(v string) bool {
	if !strings.Contains(v, "@") || !strings.Contains(v, "://") {
		return false
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		// Unparsable, it may still hold one: "http://u:p@h:port/" with a
		// bad port fails to parse.
		scheme, rest, _ := strings.Cut(v, "://")
		return scheme != "" && strings.Contains(strings.SplitN(rest, "/", 2)[0], "@")
	}
	return u.User != nil
}
