package httpx

import (
	"fmt"
	"strings"
)

// pathProblem says why the path of raw, a base URL url.Parse took with
// no query or fragment, would not reach the backend as written, "" when
// it would. Requests go to this path with the route added (/api/…), so:
//
//   - a byte a URL does not hold unescaped (a space, ", <, >, \, ^, `, {,
//     |, }) is percent-encoded by net/url without a word (/a b is sent
//     as /a%20b): what was written is not what is sent;
//   - an encoded / or \ (%2F, %5C) is decoded by some servers and
//     proxies into a separator, refused by others (Tomcat, Spring
//     Security's firewall: 400);
//   - a dot segment (/./, /../) is resolved away by the server (RFC 3986
//     §5.2.4), sending the request to another path, and refused by the
//     platform's firewall; so is an empty segment (//) but the last (a
//     trailing /, which the route replaces).
//
// A character outside ASCII (already known to be UTF-8) is an IRI's,
// sent percent-encoded as RFC 3987 maps it, and kept; so is every other
// escape. The problem names the character and its place in the path,
// never the URL.
func pathProblem(raw string) string {
	path := raw
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		path = ""
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			path = rest[i:]
		}
	}
	for i := 0; i < len(path); i++ {
		c := path[i]
		switch {
		case strings.IndexByte(" \"<>\\^`{|}", c) >= 0:
			return fmt.Sprintf("the path holds %q at byte %d, which a URL does not hold unescaped: it would be sent as %%%02X; "+
				"write %%%02X if that is meant, else leave it out", c, i, c, c)
		case c == '%' && i+2 < len(path) && (strings.EqualFold(path[i+1:i+3], "2F") || strings.EqualFold(path[i+1:i+3], "5C")):
			return fmt.Sprintf("the path holds %s at byte %d, an encoded %q, which servers and proxies decode into a separator "+
				"or refuse (400): write the path's separators as /", path[i:i+3], i, map[bool]byte{true: '/', false: '\\'}[strings.EqualFold(path[i+1:i+3], "2F")])
		}
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case i == 0, i == len(segs)-1 && s == "":
		case s == "." || s == "..":
			return fmt.Sprintf("the path holds the dot segment %q (segment %d), which the server resolves away, sending the "+
				"request to another path, or refuses (400): write the path it stands for", s, i)
		case s == "":
			return fmt.Sprintf("the path holds an empty segment (// at segment %d), which Spring Security's firewall (the OpenAEV "+
				"platform's) refuses (400) and other servers may merge: write one /", i)
		}
	}
	return ""
}
