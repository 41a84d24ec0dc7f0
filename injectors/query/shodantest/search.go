package shodantest

import (
	"strconv"
	"strings"
	"unicode"
)

// search returns the corpus entries matching every term of query, in
// corpus order.
func (s *Server) search(query string) []match {
	terms := tokenize(query)
	var hits []match
	for _, m := range s.corpus {
		ok := true
		for _, t := range terms {
			if !m.matches(t) {
				ok = false
				break
			}
		}
		if ok {
			hits = append(hits, m)
		}
	}
	return hits
}

// tokenize splits a query on white space (a query reaching the stand-in
// holds no tab nor line break, ExternalConfig.Validate refuses them, but
// a test may send one), keeping double-quoted runs
// together, quotes included: splitTerm reads each.
func tokenize(q string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range q {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case unicode.IsSpace(r) && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// splitTerm reads one term of tokenize: a filter, name:value, its value
// unquoted (product:"Apache httpd"), when a name comes before the colon
// outside quotes; else free text, unquoted: a quoted phrase holding a
// colon ("Server: nginx") is a phrase, no filter.
func splitTerm(raw string) (name, value string, isFilter bool) {
	unquote := func(s string) string { return strings.ReplaceAll(s, `"`, "") }
	name, value, ok := strings.Cut(raw, ":")
	if ok && name != "" && !strings.Contains(name, `"`) {
		return name, unquote(value), true
	}
	return "", unquote(raw), false
}

// matches reports whether m matches one term of a query: a filter of
// those the stand-in knows, any of its comma-separated values (Shodan
// ORs a filter's values: port:80,443 is port 80 or 443), or a free-text
// term, searched in the banner's data alone, as Shodan searches it.
func (m match) matches(term string) bool {
	name, value, isFilter := splitTerm(term)
	if isFilter && knownFilter(name) {
		for _, v := range strings.Split(value, ",") {
			if m.matchesFilter(strings.ToLower(name), v) {
				return true
			}
		}
		return false
	}
	if isFilter { // a filter the stand-in does not know: searched as text
		value = name + ":" + value
	}
	return containsFold(m.Data, value)
}

// knownFilter reports whether name is a filter the stand-in searches.
func knownFilter(name string) bool {
	switch strings.ToLower(name) {
	case "ip", "hostname", "port", "product", "org":
		return true
	}
	return false
}

// matchesFilter reports whether m matches one value of the filter name
// (lower case, one knownFilter accepts).
func (m match) matchesFilter(name, value string) bool {
	switch name {
	case "ip":
		return m.IPStr == value
	case "hostname":
		for _, h := range m.Hostnames {
			if strings.EqualFold(h, value) || strings.HasSuffix(strings.ToLower(h), "."+strings.ToLower(value)) {
				return true
			}
		}
		return false
	case "port":
		return strconv.Itoa(m.Port) == value
	case "product":
		return containsFold(m.Product, value)
	}
	return containsFold(m.Org, value) // org
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
