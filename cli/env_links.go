package cli

import (
	"regexp"
	"strings"
	"sync"
)

// A container runtime sets variables of its own in a container, named
// after a service or a linked container: Kubernetes after each Service of
// the namespace (a Service named injectkit, the usual way to expose
// /metrics, gives every pod INJECTKIT_SERVICE_HOST, INJECTKIT_PORT…),
// Docker after each --link alias. Those named INJECTKIT_ are not meant for
// injectkit: the environment check ignores them. Each is known by the
// variable its runtime always sets beside it, so that a name of the same
// shape the user wrote alone (INJECTKIT_LISTEN_PORT) is still warned of.

// linkSuffix matches the rest of a link's port variable after its
// service's or alias's name: PORT, PORT_9464_TCP, PORT_9464_TCP_ADDR
// (_PORT, _PROTO).
var linkSuffix = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^PORT(_[0-9]+_(TCP|UDP|SCTP)(_(ADDR|PORT|PROTO))?)?$`)
})

const (
	// k8sHost is the suffix of the variable Kubernetes sets for every
	// Service: <SERVICE>_SERVICE_HOST.
	k8sHost = "_SERVICE_HOST"
	// dockerName is the variable Docker sets for a link of alias
	// injectkit.
	dockerName = "INJECTKIT_NAME"
)

// isLinkVar reports whether name, a variable of the environment whose
// names are set, is one of a container link:
//   - of a Kubernetes Service named injectkit or injectkit-<x>, S its
//     variables' prefix (INJECTKIT, INJECTKIT_<X>): S_SERVICE_HOST, and,
//     with it, S_SERVICE_PORT, S_SERVICE_PORT_<PORT NAME>, S_PORT,
//     S_PORT_<N>_<PROTO> and its _ADDR, _PORT, _PROTO;
//   - of a Docker link of alias injectkit: INJECTKIT_NAME, and, with it,
//     the same INJECTKIT_PORT variables and INJECTKIT_ENV_<VAR>.
//
// Names are matched as the runtimes write them, in upper case.
func isLinkVar(name string, set map[string]bool) bool {
	if name == dockerName || strings.HasSuffix(name, k8sHost) && strings.HasPrefix(name, envPrefix) {
		return true
	}
	// Each prefix S of name ending before an underscore, from INJECTKIT.
	for i := len(envPrefix) - 1; i < len(name); i++ {
		if name[i] != '_' {
			continue
		}
		s, rest := name[:i], name[i+1:]
		if set[s+k8sHost] && (rest == "SERVICE_PORT" || strings.HasPrefix(rest, "SERVICE_PORT_") || linkSuffix().MatchString(rest)) {
			return true
		}
		if s+"_" == envPrefix && set[dockerName] && (linkSuffix().MatchString(rest) || strings.HasPrefix(rest, "ENV_")) {
			return true
		}
	}
	return false
}
