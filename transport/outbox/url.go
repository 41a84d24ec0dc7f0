package outbox

import (
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/transport"
)

// entryURL is the URL e is posted to: its base URL, without user
// information, and its Path, or else the callback's path of its inject.
func entryURL(e Entry) string {
	path := e.Path
	if path == "" {
		path = transport.CallbackPath(e.InjectID)
	}
	return httpx.StripCredentials(e.BaseURL) + path
}
