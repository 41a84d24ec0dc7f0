package query

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// composeQuery returns the query sent to the engine: the configuration's
// query narrowed to its target, "ip:<target_ipv4>" and/or
// "hostname:<target_hostname>". Both targets are validated by
// ExternalConfig.Validate, so neither holds a space or a quote.
func composeQuery(c signatures.ExternalConfig) string {
	parts := []string{strings.TrimSpace(c.Query)}
	if c.TargetIPv4 != "" {
		parts = append(parts, "ip:"+c.TargetIPv4)
	}
	if c.TargetHostname != "" {
		parts = append(parts, "hostname:"+c.TargetHostname)
	}
	return strings.Join(parts, " ")
}

// searchURL returns the Shodan host search URL for one page of query. The
// query is escaped as a single parameter, so that nothing in it can add or
// override a parameter.
func searchURL(base *url.URL, key, query string, page int) *url.URL {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/shodan/host/search"
	u.RawPath = ""
	u.RawQuery = url.Values{
		"key":   {key},
		"query": {query},
		"page":  {strconv.Itoa(page)},
	}.Encode()
	u.Fragment = ""
	return &u
}

// redactURL returns u as log lines and errors show it: as
// httpx.StripCredentials shows it (no user information, the API key
// REDACTED), the search and the page shown.
func redactURL(u *url.URL) string { return httpx.StripCredentials(u.String(), "query", "page") }

// redactError returns err with the URL of any *url.Error it holds redacted,
// and wrapped so that its message never holds secret (in any form
// httpx.Redact knows).
func redactError(err error, secret string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redactURL(u)
		} else {
			ue.URL = "(unparsable URL)"
		}
	}
	return httpx.RedactError(err, secret)
}

// redactString replaces secret in s, in every form httpx.Redact knows.
func redactString(s, secret string) string { return httpx.Redact(s, secret) }
