package openaevtest

import (
	"net/http"
	"strings"
)

// The platform's HTTP firewall, before any route and any other security
// filter (2.4.0 read). config/AppSecurityConfig.java declares no
// HttpFirewall bean, no WebSecurityCustomizer and no RequestRejectedHandler,
// so Spring Security's defaults hold: FilterChainProxy hands every request
// to a StrictHttpFirewall first, and answers the RequestRejectedException
// it throws with its default handler, HttpStatusRequestRejectedHandler
// (Spring Security 6.x; 2.4.0's pom.xml is on Spring Boot 3.5.10, so 6.5):
// a 400, whose body Spring Boot's error controller writes (timestamp,
// status, error, path). Tomcat 10.1 refuses an encoded slash itself before
// that (its connector's encodedSolidusHandling, "reject" by default): a 400
// too, which the stand-in answers alike. application.properties sets
// neither Tomcat's nor Spring's allowances (only server.tomcat.uri-encoding).
//
// StrictHttpFirewall's defaults, as modelled: the request URI as sent
// (encoded) must not hold an encoded slash (%2F), backslash (%5C),
// semicolon (%3B), period (%2E), percent (%25), NUL, CR or LF (%00, %0D,
// %0A), nor a raw semicolon, backslash or "//"; the path as decoded must
// not hold a semicolon, backslash, percent sign, "//", NUL, CR, LF, U+2028
// or U+2029; neither may hold a dot segment ("/./", "/../", or one last);
// the URI as sent must be printable ASCII. So an id sent in a path segment
// (an inject's, a tenant's) that holds '/', '\\', ';' or '%', escaped as
// url.PathEscape escapes it, is refused: the platform never routes it.

// firewallEncoded are the strings StrictHttpFirewall refuses in the
// request URI as sent, in lower case (it lists both cases).
var firewallEncoded = []struct{ s, what string }{
	{"%2f", "an encoded slash"}, {"%5c", "an encoded backslash"}, {"%3b", "an encoded semicolon"},
	{"%2e", "an encoded period"}, {"%25", "an encoded percent sign"}, {"%00", "an encoded NUL"},
	{"%0a", "an encoded line feed"}, {"%0d", "an encoded carriage return"},
	{";", "a semicolon"}, {"\\", "a backslash"}, {"//", "a double slash"},
}

// firewallDecoded are the strings it refuses in the decoded path.
var firewallDecoded = []struct{ s, what string }{
	{";", "a semicolon"}, {"\\", "a backslash"}, {"%", "a percent sign"}, {"//", "a double slash"},
	{"\x00", "a NUL"}, {"\n", "a line feed"}, {"\r", "a carriage return"},
	{"\u2028", "a line separator"}, {"\u2029", "a paragraph separator"},
}

// firewallRejects says why the platform's firewall refuses r, "" when it
// lets it through to the security filters and the routes.
func firewallRejects(r *http.Request) string {
	raw := r.RequestURI
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	lower := strings.ToLower(raw)
	for _, f := range firewallEncoded {
		if strings.Contains(lower, f.s) {
			return "the URL holds " + f.what + " (" + f.s + ")"
		}
	}
	for _, f := range firewallDecoded {
		if strings.Contains(r.URL.Path, f.s) {
			return "the decoded path holds " + f.what
		}
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] > 0x7e {
			return "the URL holds a byte that is not printable ASCII"
		}
	}
	if !normalized(raw) || !normalized(r.URL.Path) {
		return "the path is not normalized (a dot segment)"
	}
	return ""
}

// normalized reports whether path holds no dot segment: no "." or ".."
// between slashes, nor as its last segment.
func normalized(path string) bool {
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}
