package httpx

// The user information, ports and queries of the URLs an error or a log
// line shows: stripped or masked, so that no secret a URL carries is
// shown.

import (
	"net/url"
	"slices"
	"strings"
)

// StripCredentials returns raw without its user information and with the
// value of each query parameter and its fragment shown as "REDACTED"
// ("https://user:pw@host/x?token=t" gives
// "https://host/x?token=REDACTED"), for a log line, an error or a key that
// must not hold a password: a URL refused for its query must not echo the
// token the query carries. A parameter without '=' is shown as
// "REDACTED" whole, since it may be a value. A URL with none of those is
// returned unchanged, byte for byte. The values of the query parameters
// named in shown (as written in the URL) stay as they are: the parameters
// a reader needs and that hold no secret, such as the query injector's
// search and page beside its API key.
//
// A string with an '@' that url.Parse did not read as user information,
// or an '@' after the host, may hold a password wherever the parse put
// it: a URL that does not parse, a scheme mistyped ("http//u:pw@host" is
// a path, "http:/u:pw@host" a path too, "u:pw@host" a scheme and an
// opaque part), user information whose '/', '?' or '#' was not
// percent-encoded ("http://u:12/pw@host" parses as host "u", port 12 and
// path "/pw@host") or read short (see atAfterHost). Everything before its
// last '@' is then shown as "REDACTED" but its scheme as written
// ("http//REDACTED@host", see maskBeforeAt), and the string is
// "(unparsable URL)" when what follows that '@' is not a plain host and
// path. A string that is not a URL and holds no '@', '?' or '#' holds no
// secret and is returned as it is ("127.0.0.1:8080", a URL without its
// scheme); with a '?' or '#' it is "(unparsable URL)". Wherever it is, a
// port that is not a number is shown as "REDACTED" ("http://u:pw" gives
// "http://u:REDACTED", see maskPort): it may be a password whose user
// name lost its '@'.
func StripCredentials(raw string, shown ...string) string {
	u, err := url.Parse(raw)
	switch {
	case (err != nil || u.User == nil || atAfterHost(u)) && strings.Contains(raw, "@"):
		return maskBeforeAt(raw)
	case err != nil && !strings.ContainsAny(raw, "?#"):
		return maskPort(raw)
	case err != nil:
		return unparsable
	case u.User == nil && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "":
		return maskPort(raw)
	}
	u.User = nil
	maskQuery(u, shown)
	return u.String()
}

// atAfterHost reports whether u holds an '@' after its host, in its
// path, query or fragment: user information may have been read short, a
// user name with an '@' and a password with a '/' as it is
// ("http://me@corp.example:12/pw@host" parses as user "me", host
// "corp.example", port 12 and path "/pw@host").
func atAfterHost(u *url.URL) bool {
	return strings.Contains(u.EscapedPath()+u.RawQuery+u.EscapedFragment(), "@")
}

// maskBeforeAt shows raw, a string with an '@' that url.Parse did not
// read as user information, with everything before its last '@' as
// "REDACTED" but its scheme and the ':' and '/' after it as written
// ("http:/u:pw@127.0.0.1:1" gives "http:/REDACTED@127.0.0.1:1"), so that
// a reader sees the mistake without the password whatever the parse made
// of it. A scheme followed by ':' alone is kept when it is http or https
// only: "u:pw@host" may be a user name and its password. It is
// "(unparsable URL)" when what follows the last '@' is not a plain host,
// port and path: a query, a fragment, a space or a character a host or
// path does not hold may be the rest of a secret, the '@' one of a query.
func maskBeforeAt(raw string) string {
	at := strings.LastIndex(raw, "@")
	before, tail := raw[:at], raw[at+1:]
	if !plainHostPath(tail) || strings.ContainsAny(before, "?#") {
		return unparsable
	}
	return schemePrefix(before) + redactedValue + "@" + maskPort(tail)
}

// maskPort returns raw with the port of its host shown as "REDACTED"
// when it is not a number ("http://u:S3cr3t" gives "http://u:REDACTED",
// "proxy:pw" "proxy:REDACTED"): with no '@', a password whose user
// name lost its '@' and host reads as a port, and a port that is not a
// number is wrong whatever it is (url.Parse refuses it; see
// parseFailure, which says so without it); digits with a space after
// them are shown. The host is what follows raw's scheme (see
// schemePrefix) or its first "//", mistyped or not, up to the next '/';
// a URL url.Parse reads has a port of digits, and is returned unchanged.
func maskPort(raw string) string {
	start := len(schemePrefix(raw))
	if i := strings.IndexByte(raw, '/'); i >= 0 && strings.HasPrefix(raw[i:], "//") {
		start = max(start, i+2) // " http://", "http ://", "//"
	}
	for start < len(raw) && raw[start] == '/' {
		start++
	}
	end := len(raw)
	if i := strings.IndexByte(raw[start:], '/'); i >= 0 {
		end = start + i
	}
	colon := strings.LastIndexByte(raw[start:end], ':')
	if colon < 0 || strings.Contains(raw[start+colon:end], "]") { // none, or inside an IPv6 address
		return raw
	}
	if port := raw[start+colon+1 : end]; strings.Trim(strings.TrimSpace(port), "0123456789") == "" {
		return raw // a number, maybe with a space after it: no password
	}
	return raw[:start+colon+1] + redactedValue + raw[end:]
}

// schemePrefix is the scheme at the start of s with the ':' and '/' that
// follow it ("http:/", "http//", "https:"), "" when s starts otherwise or
// its scheme is followed by ':' alone and is not http or https.
func schemePrefix(s string) string {
	i := 0
	for i < len(s) && (isLetter(s[i]) || i > 0 && (isDigit(s[i]) || strings.IndexByte("+.-", s[i]) >= 0)) {
		i++
	}
	if i == 0 {
		return ""
	}
	j := i
	for j < len(s) && (s[j] == ':' || s[j] == '/') {
		j++
	}
	switch scheme, sep := s[:i], s[i:j]; {
	case strings.Contains(sep, "/"):
		return s[:j]
	case sep != "" && (strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")):
		return s[:j]
	}
	return ""
}

// plainHostPath reports whether s is a host (a name, an address, an IPv6
// address in brackets, whole or not), a port and a path, of the
// characters those hold unreserved, and nothing else.
func plainHostPath(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isLetter(c) && !isDigit(c) && strings.IndexByte(".-_~:[]%/", c) < 0 {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// maskQuery shows the value of each query parameter of u but those named
// in shown, a parameter without '=' whole, and its fragment as "REDACTED".
func maskQuery(u *url.URL, shown []string) {
	if u.RawQuery != "" {
		parts := strings.Split(u.RawQuery, "&")
		for i, p := range parts {
			if name, _, ok := strings.Cut(p, "="); ok {
				if !slices.Contains(shown, name) {
					parts[i] = name + "=" + redactedValue
				}
			} else if p != "" {
				parts[i] = redactedValue
			}
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = redactedValue, ""
	}
}

// redactedValue is what StripCredentials and MaskURL show in place of a
// query value or user information.
const redactedValue = "REDACTED"

// MaskURL returns raw as an error message may quote a URL it refuses: its
// user information shown as "REDACTED", and its query and fragment masked
// as StripCredentials masks them ("http://u:pw@host/?key=k" gives
// "http://REDACTED@host/?key=REDACTED"), so that the reader sees what is
// wrong without the secret. A URL with none of those is returned
// unchanged, and a string that is not a URL, or holds an '@' url.Parse
// did not read as user information, is shown as StripCredentials shows
// it; a port that is not a number is shown as "REDACTED" (see maskPort).
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.User == nil || atAfterHost(u)) && strings.Contains(raw, "@") {
		return StripCredentials(raw)
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return maskPort(raw)
	}
	if u.User != nil {
		u.User = url.User(redactedValue)
	}
	maskQuery(u, nil)
	return u.String()
}
