package openaevtest

import (
	"mime"
	"strconv"
	"strings"
)

// Rule 1's content negotiation of the settings routes in full (2.4.0
// read; Spring Framework 6.2, Spring Boot 3.5.10):
//
// PlatformSettingsApi's GET /api/settings/version returns a String and
// GET /api/settings and /api/settings/public an object, none with a
// produces= (rest/settings/PlatformSettingsApi.java:42-87). MvcConfig
// .configureMessageConverters (config/MvcConfig.java:45-50) leaves three
// converters, in order: ByteArrayHttpMessageConverter, a
// StringHttpMessageConverter of the default charset (ISO-8859-1) and
// Jackson's. Spring's AbstractMessageConverterMethodProcessor
// .writeWithMessageConverters picks the answer's type: the types the
// Accept header lists (none: */*; one it cannot parse: 406) against those
// the converters that can write the value produce (a String: text/plain
// and */* from the String converter, application/json and
// application/*+json from Jackson's; an object: Jackson's alone); each
// compatible pair gives the more specific of the two with the accepted
// type's q; they are sorted by q, then specificity (a bubble sort,
// MimeTypeUtils.sortBySpecificity); the first concrete one is chosen, */*
// or application/* give application/octet-stream, and none is a 406
// (HttpMediaTypeNotAcceptableException, which no handler of RestBehavior
// takes: Spring Boot's error controller answers it with no body). The
// first converter that can write the value with that type writes it: a
// String always by the String converter, its text as it is whatever the
// type (the version is not quoted as JSON even as application/json), the
// type as chosen, its q dropped, with ";charset=ISO-8859-1" added unless
// it is application/json or a +json type (StringHttpMessageConverter
// .addDefaultHeaders) and octet-stream turned into text/plain;charset=
// ISO-8859-1; an object by Jackson, application/json. So the profile's
// "application/json, text/plain;q=0.9, */*;q=0.8" reads the version as
// application/json; a bare GET's */* as text/plain;charset=ISO-8859-1;
// Accept: text/plain on GET /api/settings is a 406. The stand-in renders
// the chosen type without parameters but the charset.

// mediaType is a media type of an Accept header or of a converter: type,
// subtype, q and how many other parameters it has.
type mediaType struct {
	typ, sub string
	q        float64
	params   int
}

var (
	anyType = mediaType{typ: "*", sub: "*", q: 1}
	// stringTypes: what the converters produce for a String;
	// objectTypes: for an object (Jackson's alone).
	stringTypes = []mediaType{{typ: "text", sub: "plain", q: 1}, anyType, {typ: "application", sub: "json", q: 1},
		{typ: "application", sub: "*+json", q: 1}}
	objectTypes = stringTypes[2:]
)

func (m mediaType) wildSub() bool  { return m.sub == "*" || strings.HasPrefix(m.sub, "*+") }
func (m mediaType) concrete() bool { return m.typ != "*" && !m.wildSub() }
func (m mediaType) String() string { return m.typ + "/" + m.sub }

// parseAccept reads an Accept header as Spring's MediaType.parseMediaTypes
// does (its types lower-cased); false for one it cannot parse.
func parseAccept(header string) ([]mediaType, bool) {
	if strings.TrimSpace(header) == "" {
		return []mediaType{anyType}, true
	}
	var out []mediaType
	for part := range strings.SplitSeq(header, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		full, params, err := mime.ParseMediaType(part)
		typ, sub, ok := strings.Cut(full, "/")
		if err != nil || !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			return nil, false
		}
		m := mediaType{typ: typ, sub: sub, q: 1, params: len(params)}
		if v, given := params["q"]; given {
			q, err := strconv.ParseFloat(v, 64)
			if err != nil || q < 0 || q > 1 {
				return nil, false
			}
			m.q, m.params = q, m.params-1
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return []mediaType{anyType}, true
	}
	return out, true
}

// compatible is MimeType.isCompatibleWith.
func compatible(a, b mediaType) bool {
	switch {
	case a.typ == "*" || b.typ == "*":
		return true
	case a.typ != b.typ:
		return false
	case a.sub == b.sub || a.sub == "*" || b.sub == "*":
		return true
	}
	suffixOf := func(wild, other mediaType) bool {
		suf, ok := strings.CutPrefix(wild.sub, "*+")
		return ok && (other.sub == suf || strings.HasSuffix(other.sub, "+"+suf))
	}
	return suffixOf(a, b) || suffixOf(b, a)
}

// moreSpecific is MediaType.isMoreSpecific: q first, then MimeType's.
func moreSpecific(a, b mediaType) bool {
	switch {
	case a.q != b.q:
		return a.q > b.q
	case a.typ == "*" && b.typ != "*":
		return false
	case a.typ != "*" && b.typ == "*":
		return true
	case a.wildSub() && !b.wildSub():
		return false
	case !a.wildSub() && b.wildSub():
		return true
	case a.typ == b.typ && a.sub == b.sub:
		return a.params > b.params
	}
	return false
}

// negotiate returns the Content-Type the platform answers a value, of
// the types produced, with for an Accept header (see above); false for
// a 406.
func negotiate(accept string, produced []mediaType, isString bool) (string, bool) {
	accepted, ok := parseAccept(accept)
	if !ok {
		return "", false
	}
	var usable []mediaType
	for _, a := range accepted {
		for _, p := range produced {
			if !compatible(a, p) {
				continue
			}
			p.q = a.q
			m := a
			if moreSpecific(p, a) {
				m = p
			}
			usable = append(usable, m)
		}
	}
	for i := range usable { // sortBySpecificity's bubble sort
		for j := 1; j < len(usable)-i; j++ {
			if moreSpecific(usable[j], usable[j-1]) {
				usable[j-1], usable[j] = usable[j], usable[j-1]
			}
		}
	}
	for _, m := range usable {
		switch {
		case m.concrete():
		case m.String() == "*/*" || m.String() == "application/*":
			m = mediaType{typ: "application", sub: "octet-stream"}
		default:
			continue
		}
		isJSON := m.String() == jsonType || strings.HasSuffix(m.sub, "+json")
		switch {
		case !isString || isJSON:
			return m.String(), true
		case m.String() == "application/octet-stream":
			return "text/plain;charset=ISO-8859-1", true
		}
		return m.String() + ";charset=ISO-8859-1", true
	}
	return "", false
}
