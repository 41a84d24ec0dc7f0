package httpx

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ParseBaseURL checks the base URL of a backend or platform, the one rule
// every client of injectkit applies: an absolute http or https URL with a
// host (an IPv6 address in brackets), a port from 1 to 65535 when one is
// given, and no query or fragment. User information is the caller's to
// allow or refuse: the OpenAEV platform takes only its token, a callback
// backend may also take Basic credentials from the URL.
//
// The error says what is wrong without the URL, which the caller names
// with StripCredentials.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		reason := "not a URL"
		var ue *url.Error
		if errors.As(err, &ue) {
			reason += ": " + ue.Err.Error() // without the URL, which may hold credentials
		}
		if !strings.Contains(raw, "://") {
			reason += " (want http:// or https:// first)"
		}
		return nil, errors.New(reason)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, errors.New("must not have a query or fragment")
	}
	if err := checkHost(u); err != nil {
		return nil, err
	}
	return u, nil
}

// checkHost checks what url.Parse leaves to the dialer: a host name, an
// IPv6 literal that is an address, and a port (when one is written) that
// is a number from 1 to 65535.
func checkHost(u *url.URL) error {
	host, port := u.Hostname(), u.Port()
	switch {
	case host == "":
		return errors.New("no host")
	case strings.Contains(host, ":"):
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host %q is not an IPv6 address", host)
		}
	}
	if port == "" {
		if strings.HasSuffix(u.Host, ":") {
			return errors.New("empty port after ':'")
		}
		return nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("invalid port %q: want a number from 1 to 65535", port)
	}
	return nil
}
