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
