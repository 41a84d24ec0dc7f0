package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/jsontype"
)

// pageSize is the number of matches in a full Shodan search page.
const pageSize = 100

// searchPage is one decoded page of a Shodan host search.
type searchPage struct {
	Total   int
	Matches []Match
	// Dropped counts the banners left out as unusable (errUnusable).
	Dropped int
}

// errUnusable marks a banner whose address or port is not one (ip_str
// "not-an-ip", "01.2.3.4", "1.2.3.4/24"; port 70000): the banner is
// dropped and counted, the rest of its page kept. A value of the wrong
// JSON type is an error of the page instead: the answer is then not in
// Shodan's shape.
var errUnusable = errors.New("unusable banner")

// rawMatch is the wire shape of a Shodan banner. The fields it shares
// with Match decode into the embedded Match as they are; the outer fields
// shadow those Shodan encodes otherwise (ip as an integer beside ip_str,
// os as null, vulns as an object or a list, no cvss of its own), and
// match converts them.
type rawMatch struct {
	Match
	IPStr string          `json:"ip_str"`
	IP    json.RawMessage `json:"ip"`
	OS    *string         `json:"os"`
	Vulns json.RawMessage `json:"vulns"`
	CVSS  json.RawMessage `json:"cvss"` // not Shodan's: the scores come from vulns
}

// errorBody decodes the "error" text of a Shodan answer, if it has one,
// or returns the note of an answer withheld for echoing the key.
func errorBody(body []byte) string {
	if httpx.IsWithheld(string(body)) {
		return string(body)
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return strings.TrimSpace(e.Error)
}

// parseSearchPage decodes one page of a Shodan host search from body as
// it arrives, never held whole: the page's matches are decoded one at a
// time, a page holding more than pageSize matches, more than a Shodan page
// holds, is refused at its match pageSize+1, read no further, and a key
// the injector does not read is skipped token by token (skipValue), so
// that many matches or a large facets cost no more than pageSize
// matches. What one value holds is held whole: a match (all its host
// names, say) or a string, each within the 64 MiB a body may have. A body holding an "error" is returned as
// an *APIError with the given status. Shodan answers a search with its
// "total" and its "matches" (developer.shodan.io/api, "Search Shodan";
// api-evangelist/shodan's search result schema requires both): an object
// without a total (null or absent), or without a matches list (absent,
// or null while the total is positive), is no page of Shodan's (a
// proxy's or a gateway's status page, {}), an error rather than a search
// that matched nothing.
func parseSearchPage(status int, body io.Reader) (searchPage, error) {
	p, msg, seen, err := decodePage(json.NewDecoder(body))
	if msg = strings.TrimSpace(msg); msg != "" {
		// The engine's message, read before anything that failed, says
		// more than the failure (credits spent, say).
		return searchPage{}, newAPIError(status, msg, 0)
	}
	if err != nil {
		return searchPage{}, fmt.Errorf("decode search response: %w", err)
	}
	if !seen.total {
		return searchPage{}, errors.New("decode search response: no total (null or absent): not a Shodan search answer")
	}
	if p.Total < 0 {
		return searchPage{}, fmt.Errorf("decode search response: negative total %d", p.Total)
	}
	if !seen.matches || (p.Matches == nil && p.Total > 0) {
		return searchPage{}, fmt.Errorf("decode search response: no matches list (null or absent) with total %d", p.Total)
	}
	if p.Matches == nil {
		p.Matches = []Match{}
	}
	return p, nil
}

// pageKeys says which of a page's keys an answer held: a total that is
// not null, a matches key (its list null or not).
type pageKeys struct{ total, matches bool }

// decodePage reads the answer's object, up to the end of the body: its
// total, its matches (nil when null or absent) and its "error" text, each
// key matched in any case, as encoding/json matches a field, and which
// of the page's keys it held; other keys are skipped. On an error, the
// "error" text read before it is returned with it.
func decodePage(dec *json.Decoder) (p searchPage, msg string, seen pageKeys, err error) {
	if err := openValue(dec, '{', "the answer"); err != nil {
		return p, "", seen, notJSON(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return p, msg, seen, unexpectedEOF(err)
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "total"):
			var total *int
			if err = typeError("total", dec.Decode(&total)); err == nil && total != nil {
				p.Total, seen.total = *total, true
			}
		case strings.EqualFold(key, "error"):
			err = typeError("error", dec.Decode(&msg))
		case strings.EqualFold(key, "matches"):
			seen.matches = true
			p.Matches, p.Dropped, err = decodeMatches(dec)
		default:
			err = skipValue(dec)
		}
		if err != nil {
			return p, msg, seen, unexpectedEOF(err)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return p, msg, seen, unexpectedEOF(err)
	}
	// Only white space may follow: text or a second value after the
	// object makes the answer invalid, never ignored. What follows is not
	// quoted: an engine may echo the key there.
	if _, err := dec.Token(); err != io.EOF {
		return p, msg, seen, errors.New("invalid answer: more than white space after its JSON object")
	}
	return p, msg, seen, nil
}

// decodeMatches reads the matches list one match at a time, nil for null,
// and counts the unusable banners it leaves out (errUnusable).
func decodeMatches(dec *json.Decoder) (ms []Match, dropped int, err error) {
	if err := openValue(dec, '[', "matches"); err != nil {
		if errors.Is(err, errNull) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	ms = []Match{}
	for i := 0; dec.More(); i++ {
		if i == pageSize {
			return nil, 0, fmt.Errorf("matches: more than %d on one page, more than a Shodan page holds", pageSize)
		}
		var rm rawMatch
		if err := dec.Decode(&rm); err != nil {
			return nil, 0, typeError(fmt.Sprintf("matches[%d]", i), err)
		}
		m, err := rm.match()
		switch {
		case errors.Is(err, errUnusable):
			dropped++
		case err != nil:
			return nil, 0, fmt.Errorf("matches[%d]: %w", i, err)
		default:
			ms = append(ms, m)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, 0, err
	}
	return ms, dropped, nil
}

// typeError returns err, a decoding error of the value at path, with the
// words of jsontype when it is a value of the wrong JSON type: the field
// as the engine wrote it ("total", "matches[3].port") and the kind of
// value wanted, never a Go type or field name. Any other error is
// returned as it is, prefixed by path.
func typeError(path string, err error) error {
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &te):
		return fmt.Errorf("%s: %w", path, err)
	}
	// A match's fields are those of the embedded Match, whose Go name
	// encoding/json puts in the path.
	if f := strings.TrimPrefix(te.Field, "Match."); f != "" && f != "Match" {
		path += "." + f
	}
	return fmt.Errorf("%s: wrong JSON type, want %s, got %s", path, jsontype.Describe(te.Type), jsonKind(te.Value))
}

// jsonKind words the kind of JSON value encoding/json names in an
// UnmarshalTypeError ("string", "array", "number 1.5e300").
func jsonKind(v string) string {
	switch v {
	case "string":
		return "a string"
	case "object":
		return "an object"
	case "array":
		return "a list"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return "the number " + n
	}
	return v
}

// errNull is openValue's error for a JSON null.
var errNull = errors.New("null")

// openValue reads the token opening an object or a list (delim), named
// what; null is errNull, another value an error.
func openValue(dec *json.Decoder, delim json.Delim, what string) error {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return fmt.Errorf("%s: %w", what, errNull)
	case tok == delim:
		return nil
	}
	want := "an object"
	if delim == '[' {
		want = "a list"
	}
	return fmt.Errorf("%s: want %s", what, want)
}

// notJSON says what an answer whose first token failed is: empty (a 200
// with no body), or no JSON at all (an HTML page a proxy, a captive
// portal or a maintenance page answered with in the engine's stead),
// rather than the decoder's "EOF" or "invalid character '<' looking for
// beginning of value" alone. Its bytes are not quoted: an engine may echo
// the key there.
func notJSON(err error) error {
	if errors.Is(err, io.EOF) {
		return errors.New("the answer is empty")
	}
	if _, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	return err
}

// unexpectedEOF is err, or io.ErrUnexpectedEOF for a body that ends
// inside the answer's object.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// skipValue reads the next value of dec, a key of the answer the injector
// does not read (facets, say), token by token: its syntax is checked, and
// no more of it is held at once than one of its strings or numbers.
func skipValue(dec *json.Decoder) error {
	for depth := 0; ; {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

func (rm rawMatch) match() (Match, error) {
	ip, err := rm.address()
	if err != nil {
		return Match{}, fmt.Errorf("%w: %w", errUnusable, err)
	}
	if rm.Port < 0 || rm.Port > 65535 {
		return Match{}, fmt.Errorf("%w: port %d out of range", errUnusable, rm.Port)
	}
	vulns, scores, err := parseVulns(rm.Vulns)
	if err != nil {
		return Match{}, err
	}
	m := rm.Match
	m.IP, m.Vulns, m.CVSS = ip, vulns, scores
	m.Hostnames, m.Domains = nonNil(m.Hostnames), nonNil(m.Domains)
	if rm.OS != nil {
		m.OS = *rm.OS
	}
	return m, nil
}

// address returns the match's address from ip_str, in its canonical form
// (canonicalAddr), or from the integer ip field of an IPv4 banner when
// ip_str is missing.
func (rm rawMatch) address() (string, error) {
	if rm.IPStr != "" {
		a, err := netip.ParseAddr(rm.IPStr)
		if err != nil {
			return "", fmt.Errorf("ip_str %q is not an IP address", rm.IPStr)
		}
		return canonicalAddr(a).String(), nil
	}
	if len(rm.IP) == 0 || string(rm.IP) == "null" {
		return "", fmt.Errorf("no ip_str or ip")
	}
	n, err := strconv.ParseUint(string(rm.IP), 10, 32)
	if err != nil {
		return "", fmt.Errorf("ip %s is not an IPv4 address as an integer", rm.IP)
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).String(), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
