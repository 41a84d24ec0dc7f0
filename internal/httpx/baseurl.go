package httpx

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseBaseURL checks the base URL of a backend or platform, the one rule
// every client of injectkit applies: an absolute http or https URL with a
// host (an IPv6 address in brackets), a port from 1 to 65535 when one is
// given, and no query or fragment. User information is the caller's to
// allow or refuse: the OpenAEV platform takes only its token, a callback
// backend may also take Basic credentials from the URL.
//
// A URL holding a byte that is not UTF-8 is refused, and so is user
// information that, percent-decoded, holds one or an invisible character
// (userinfoProblem).
//
// The error says what is wrong without the URL, which the caller names
// with StripCredentials, and without any piece of it: url.Parse's own
// errors quote the text they stop at ("invalid port \":pass\" after
// host"), a piece of the password when the password holds '/', '?' or
// '#', so they are described in words of ours (parseFailure). An '@'
// after the host is refused for the same reason: it is user information
// whose '/', '?' or '#' was not percent-encoded, and the rest of it would
// be shown as the path or sent to the wrong host.
func ParseBaseURL(raw string) (*url.URL, error) {
	if !utf8.ValidString(raw) {
		// url.Parse takes it, and the requests go to the byte escaped
		// (%FF) while every line showing the URL shows U+FFFD: a URL no
		// one can copy back (outbox flush --backend-url).
		return nil, errors.New("not valid UTF-8 (write a byte that is not as %XX)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, parseFailure(raw, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case strings.Contains(u.EscapedPath(), "@"):
		return nil, errors.New("'@' after the host" + userinfoHint)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		if strings.Contains(u.RawQuery+u.Fragment, "@") {
			return nil, errors.New("must not have a query or fragment" + userinfoHint)
		}
		return nil, errors.New("must not have a query or fragment")
	}
	if why := pathProblem(raw); why != "" {
		return nil, errors.New(why)
	}
	if err := checkHost(u); err != nil {
		return nil, err
	}
	if why := userinfoProblem(u, "the Basic Authorization header"); why != "" {
		return nil, errors.New(why)
	}
	return u, nil
}

// userinfoProblem says why the user information of u, percent-decoded as
// net/http sends it (goesIn: the Basic Authorization header, base64 of
// user:password, or a proxy's credentials), would
// not go as it reads, "" when it would: a control (Cc) or format (Cf)
// character, a line (Zl) or paragraph (Zp) separator (a byte order mark,
// a zero-width space, a line end, written %EF%BB%BF, %E2%80%8B, %0A), or
// a byte that is not UTF-8 (%FF). The credential reads right wherever it
// is printed and the server refuses it; every other secret is refused
// alike (TokenProblem, the query injector's Shodan key). The character is
// named by its code point and place, never the value.
func userinfoProblem(u *url.URL, goesIn string) string {
	if u.User == nil {
		return ""
	}
	pass, _ := u.User.Password()
	for _, part := range [...]struct{ name, v string }{{"user name", u.User.Username()}, {"password", pass}} {
		for i, r := range part.v {
			switch {
			case r == utf8.RuneError && !strings.HasPrefix(part.v[i:], string(utf8.RuneError)):
				return fmt.Sprintf("the %s, percent-decoded, holds the byte 0x%02X at byte %d, not UTF-8%s",
					part.name, part.v[i], i, basicHint(goesIn))
			case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp):
				return fmt.Sprintf("the %s, percent-decoded, holds the non-printable character %U at byte %d (control and "+
					"format characters, line and paragraph separators are refused)%s", part.name, r, i, basicHint(goesIn))
			}
		}
	}
	return ""
}

// basicHint ends userinfoProblem's reasons: where the credentials go.
func basicHint(goesIn string) string {
	return ": it would go as it is in " + goesIn + ", a credential that reads right and is refused; remove it from the URL"
}

// userinfoHint is what a URL refused for a user name or password written
// as it is ends with.
const userinfoHint = " (in a user name or password, write / ? # @ % as %2F %3F %23 %40 %25)"

// parseFailure is the error of a URL url.Parse refused: why, in words
// that quote nothing of raw, and a hint at the usual cause.
func parseFailure(raw string, err error) error {
	reason := "not a URL"
	var escErr url.EscapeError
	var hostErr url.InvalidHostError
	msg := err.Error()
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		msg = ue.Err.Error() // without `parse "<raw>": `, which quotes all of it
	}
	switch {
	case errors.As(err, &escErr):
		reason += ": a '%' not followed by two hexadecimal digits"
	case errors.As(err, &hostErr):
		reason += ": a character a host name cannot hold"
	case strings.Contains(msg, "invalid port"):
		// Not quoted, with user information or without: a password
		// whose user name lost its '@' reads as the port
		// ("http://u:S3cr3t"), which StripCredentials masks (maskPort).
		reason += ": invalid port after the host's ':', not a number"
	case strings.Contains(msg, "control character"):
		reason += ": holds a control character"
	case strings.Contains(msg, "invalid userinfo"):
		reason += ": a character a user name or password cannot hold"
	case strings.Contains(msg, "IP-literal"), strings.Contains(msg, "missing ']'"):
		reason += ": an IPv6 address in brackets is malformed"
	case strings.Contains(msg, "missing protocol scheme"),
		strings.Contains(msg, "first path segment in URL cannot contain colon"):
		reason += ": no scheme"
	}
	switch {
	case !strings.Contains(raw, "://"):
		reason += " (want http:// or https:// first)"
	case strings.ContainsAny(raw, "@"):
		reason += userinfoHint
	}
	return errors.New(reason)
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

// ClearToOtherHost reports whether a request to u goes in clear (plain
// http://) to another host than this machine's loopback: only localhost
// itself or a loopback address never leaves the machine. A name under
// .localhost, or localhost. with its final dot, does: Go's resolver asks
// the DNS server for it (/etc/hosts holds only localhost), and
// http.ProxyFromEnvironment sends it to HTTP_PROXY. A secret it carries
// can then be read by anyone on the path.
func ClearToOtherHost(u *url.URL) bool {
	if u == nil || !strings.EqualFold(u.Scheme, "http") {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if h == "localhost" {
		return false
	}
	a, err := netip.ParseAddr(h)
	return err != nil || !a.Unmap().IsLoopback()
}
