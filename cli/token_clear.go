package cli

import (
	"fmt"
	"net/url"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
)

// warnClearToken logs one WARN line when a token (or the URL's own
// user:password) goes to a backend or platform over plain http:// on
// another host than this machine's loopback: anyone on the path can read
// it. A loopback URL (localhost, 127.0.0.0/8, ::1) never leaves the
// machine and gets none. A token shorter than httpx.ShortSecret gets a
// WARN line too: redacted wherever it stands as a word, it garbles the
// logs of a test setup's "T" or "outbox", and an inject id or target
// holding it as a word is refused (runtime: "holds a secret", the value
// withheld: --token 1 refuses --target 10.0.0.1), and no real token is
// that short.
func warnClearToken(log *zap.Logger, rawURL, token string) {
	if token != "" && len(token) < httpx.ShortSecret {
		log.Warn(fmt.Sprintf("the token is shorter than %d characters, hardly a real one: every word of the logs and output equal to it is redacted as a secret ([REDACTED]), and an inject id or target holding it as a word is refused",
			httpx.ShortSecret))
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || (token == "" && u.User == nil) || !httpx.ClearToOtherHost(u) {
		return
	}
	log.Warn("the token goes in clear over http:// to a host that is not this machine: use https:// for this URL",
		zap.String("url", httpx.StripCredentials(rawURL)))
}

// warnSecretArgs logs one WARN line for each secret the command line
// gave: the token by --token, a user:password in the URL of urlKey
// (--backend-url, --openaev-url) given by its flag. A command's
// arguments are in /proc/PID/cmdline, which ps shows to every local user
// for the whole life of the process (a daemon's, a retrying run's), and
// in the shell's history; the environment and the config file are not.
// The line names the flag, never the value, and where to give it instead.
func warnSecretArgs(log *zap.Logger, o *origins, token, urlKey, rawURL string) {
	const shown = " in ps (/proc/PID/cmdline) to every local user while the process runs, and in the shell's history: "
	if from := o.secretFrom["token"]; strings.TrimSpace(token) != "" && strings.HasPrefix(from, "-") {
		log.Warn("the token given by " + from + " shows" + shown + "give it by " + envPrefix + "TOKEN or the config file's token")
	}
	from := o.from[urlKey]
	if !strings.HasPrefix(from, "-") {
		return
	}
	if u, err := url.Parse(strings.TrimSpace(rawURL)); err == nil && u.User != nil {
		log.Warn("the credentials (user:password@) of the URL given by " + from + " show" + shown + "give the URL by " +
			envPrefix + strings.ToUpper(urlKey) + " or the config file's " + urlKey)
	}
}
