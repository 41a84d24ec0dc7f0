package outbox

import "net/url"

// stripUser removes user information from a URL.
func stripUser(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
