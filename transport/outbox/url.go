package outbox

import (
	"net/url"

	"github.com/injectkit/injectkit/transport"
)

// stripUser removes user information from a URL.
func stripUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// entryURL is the URL e is posted to: its base URL, without user
// information, and its Path, or else the callback's path of its inject.
func entryURL(e Entry) string {
	path := e.Path
	if path == "" {
		path = transport.CallbackPath(e.InjectID)
	}
	return stripUser(e.BaseURL) + path
}
