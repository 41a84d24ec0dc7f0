package cli

import (
	"net/url"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
)

// The credentials a backend request carries: the token as a Bearer
// Authorization header, or, without one, the backend URL's user
// information as a Basic one (net/http's). A refusal (401, 403) names
// the one that went.

// refusedCredentials says what the backend of bc refused with a 401 or
// 403, and what to give right for a resend: the URL's user:password when
// it went without a token, else the token; without either, that none was
// given, and where to give a token.
func refusedCredentials(bc backendConfig) (refused, fix string) {
	switch {
	case bc.Token == "" && urlCredentials(bc.URL):
		return "the backend refused the backend URL's user:password (401 or 403)", "the right user:password in --backend-url"
	case bc.Token == "":
		return "the backend refused a request without a token (401 or 403): no token was given",
			"a token, given by " + tokenSources
	}
	return "the backend refused the token (401 or 403)", "the right token, given by " + tokenSources
}

// tokenSources names where a token is given, the environment first: a
// --token on the command line shows in ps to every local user.
const tokenSources = envPrefix + "TOKEN, the config file's token or --token"

// urlCredentials reports whether raw, a backend URL, holds user
// information.
func urlCredentials(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	return err == nil && u.User != nil
}

// credentialsWithToken refuses a backend URL holding user information
// given with a token (exit 2, before anything is sent): a request carries
// one Authorization header, the token's Bearer, and the URL's
// user:password would be dropped without a word.
func credentialsWithToken(bc backendConfig, o *origins) error {
	if strings.TrimSpace(bc.URL) == "" || bc.Token == "" || !urlCredentials(bc.URL) {
		return nil
	}
	return usageErr("invalid backend_url %q%s: holds a user:password while a token is given: a request carries one "+
		"Authorization header, the token's Bearer, and the URL's user:password would be dropped; give one of them",
		httpx.MaskURL(strings.TrimSpace(bc.URL)), o.where("backend_url"))
}
