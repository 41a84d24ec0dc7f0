package query

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// redacted replaces the API key wherever a URL or message is printed.
const redacted = "REDACTED"

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

// redactURL returns u as a string with the value of its key parameter and any
// user information replaced.
func redactURL(u *url.URL) string {
	cp := *u
	if cp.User != nil {
		cp.User = url.User(redacted)
	}
	q := cp.Query()
	if _, ok := q["key"]; ok {
		q.Set("key", redacted)
		cp.RawQuery = q.Encode()
	}
	return cp.String()
}

// redactError returns err with the URL of any *url.Error it holds redacted,
// and wrapped so that its message never holds secret.
func redactError(err error, secret string) error {
	if err == nil {
		return nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = redactURL(u)
		} else {
			ue.URL = "(unparsable URL)"
		}
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		return &scrubbedError{err: err, secret: secret}
	}
	return err
}

// redactString replaces every occurrence of secret in s.
func redactString(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, redacted)
}

// scrubbedError hides a secret held in the text of the error it wraps.
type scrubbedError struct {
	err    error
	secret string
}

func (e *scrubbedError) Error() string { return redactString(e.err.Error(), e.secret) }
func (e *scrubbedError) Unwrap() error { return e.err }
