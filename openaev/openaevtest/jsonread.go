package openaevtest

import (
	"encoding/json"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// How the platform reads a JSON request body (rule 16 of the package doc;
// 2.4.0 read: Spring Boot 3.5.10, Jackson 2.19; 1.18 is on Jackson 2.17,
// whose defaults are the same). Every JSON route (callbacks, receptions, asset-group pages, findings searches)
// binds its input with @RequestBody through Jackson's
// MappingJackson2HttpMessageConverter, and RestBehavior handles none
// of what that throws, so Spring's defaults answer before the inject
// is looked up (after rule 9's 401 and 405), and nothing of the call
// is kept:
// - Jackson reads the first JSON value, never what follows (`{…}
// garbage` is `{…}`), and binds every occurrence of a property, the
// last kept: one that does not bind is a 400 (bind.go);
// - a Content-Type other than application/json or application/*+json,
// or none with a body: 415 (HttpMediaTypeNotSupportedException);
// an empty body: 400 ("Required request body is missing");
// - invalid UTF-8 in a string or a property name, when the body's
// charset is UTF-8 or not given: a byte that starts no sequence, or
// a sequence whose next bytes are not continuation bytes: 400
// (JsonParseException "Invalid UTF-8 start byte" / "middle byte").
// Jackson 2.x decodes by the lead byte alone, so overlong forms,
// surrogates and lead bytes F5-F7 are read, and so does the
// stand-in. The registration's JSON part is read the same way;
// - a nesting of objects and lists deeper than MaxNestingDepth (1000),
// a property name longer than MaxNameLen (50,000 bytes of its
// decoded UTF-8), a string longer than MaxStringLen (rule 3), a
// number anywhere of more than MaxNumberLen (1000) digits: 400,
// StreamReadConstraints' defaults, which the platform never raises;
// - a value that binds no Java int for an int field (the callback's
// execution_duration, InjectExecutionInput.java:28-30; the
// reception's tracking_total_count, InjectReceptionInput.java:11-12;
// a page's page and size, Pagination): a number out of the int range
// as Jackson reads its text (1e400 is Infinity, out of range), a
// boolean, an object, a list, a string that is no int: 400
// (InputCoercionException, MismatchedInputException). A fraction is
// truncated (ACCEPT_FLOAT_AS_INT); null, "" and a field left out are
// 0: the reception's {}, {"tracking_total_count":null}, "5" and 5.5
// are taken (0, 0, 5, 5: nothing required).

// MaxNestingDepth is the deepest nesting of objects and arrays Jackson
// reads (StreamReadConstraints.DEFAULT_MAX_DEPTH): 1000.
const MaxNestingDepth = 1000

// MaxNameLen is the longest property name Jackson reads, in bytes of its
// decoded UTF-8 from a byte source (StreamReadConstraints
// .DEFAULT_MAX_NAME_LEN): 50,000.
const MaxNameLen = 50_000

// MaxNumberLen is the most digits a JSON number may have for Jackson to
// read it, wherever it is in the body (StreamReadConstraints
// .DEFAULT_MAX_NUM_LEN, 1000 from 2.15 on, 2.19 included; checked as the
// number is tokenized, ParserBase.resetInt and resetFloat): the digits of
// its integer part, fraction and exponent, not its sign, point or e.
const MaxNumberLen = 1000

// readJSONBody returns the status and the reason with which the platform
// refuses to read the body of call c, a @RequestBody JSON route, of which
// Jackson reads what read holds, or 0.
func readJSONBody(r *http.Request, c *Call, read bodyRead) (int, string) {
	ct := r.Header.Get("Content-Type")
	switch {
	case (ct == "" || isJSON(ct)) && len(c.Raw) == 0:
		return http.StatusBadRequest, "Required request body is missing"
	case !isJSON(ct):
		return http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type '%s' is not supported", ct)
	}
	_, params, _ := mime.ParseMediaType(ct)
	cs := strings.ToLower(params["charset"])
	if reason := jacksonRefusal(read.value, cs == "" || cs == "utf-8" || cs == "utf8"); reason != "" {
		return http.StatusBadRequest, "JSON parse error: " + reason
	}
	if reason := overlongString(c.Body, "$"); reason != "" {
		return http.StatusBadRequest, "JSON parse error: " + reason
	}
	if read.refusal != "" {
		return http.StatusBadRequest, "JSON parse error: " + read.refusal
	}
	return 0, ""
}

// isJSONType reports a media type the Jackson converter reads:
// application/json and application/*+json.
func isJSONType(mt string) bool {
	return mt == jsonType || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// jacksonRefusal returns why Jackson refuses to read body b, or "": a
// nesting deeper than MaxNestingDepth, a property name longer than
// MaxNameLen, a number of more than MaxNumberLen digits, and, when utf8 (the body's charset is UTF-8, or none), a
// string or name holding a byte that starts no UTF-8 sequence or a
// sequence cut short. Jackson 2.x decodes sequences by their lead byte
// only: overlong forms, surrogates and lead bytes F5-F7 are read.
func jacksonRefusal(b []byte, utf8 bool) string {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{', '[':
			if depth++; depth > MaxNestingDepth {
				return fmt.Sprintf("Document nesting depth (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNestingDepth()`)",
					depth, MaxNestingDepth)
			}
		case '}', ']':
			depth--
		case '"':
			end, reason := scanString(b, i+1, utf8)
			if reason != "" {
				return reason
			}
			if end-i-1 > MaxNameLen && followedByColon(b, end+1) {
				var name string
				if json.Unmarshal(b[i:end+1], &name) == nil && len(name) > MaxNameLen {
					return fmt.Sprintf("Name length (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNameLength()`)",
						len(name), MaxNameLen)
				}
			}
			i = end
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			end, digits := scanNumber(b, i)
			if digits > MaxNumberLen {
				return fmt.Sprintf("Number value length (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNumberLength()`)",
					digits, MaxNumberLen)
			}
			i = end - 1
		}
	}
	return ""
}

// scanNumber returns the index just past the JSON number starting at
// b[i], outside any string, and how many digits it has.
func scanNumber(b []byte, i int) (int, int) {
	digits := 0
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '-', c == '+', c == '.', c == 'e', c == 'E':
		default:
			return i, digits
		}
	}
	return i, digits
}

// scanString returns the index of the quote closing the string whose
// content starts at b[i], or the reason Jackson refuses its bytes.
func scanString(b []byte, i int, utf8 bool) (int, string) {
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '"':
			return i, ""
		case c == '\\':
			i++ // the escaped byte: an escape is ASCII
			continue
		case c < 0x80 || !utf8:
			continue
		}
		more := 0
		switch {
		case c&0xE0 == 0xC0:
			more = 1
		case c&0xF0 == 0xE0:
			more = 2
		case c&0xF8 == 0xF0:
			more = 3
		default:
			return 0, fmt.Sprintf("Invalid UTF-8 start byte 0x%x", c)
		}
		for ; more > 0; more-- {
			if i++; i >= len(b) || b[i]&0xC0 != 0x80 {
				if i >= len(b) {
					return 0, "Unexpected end-of-input in a string"
				}
				return 0, fmt.Sprintf("Invalid UTF-8 middle byte 0x%x", b[i])
			}
		}
	}
	return len(b), "" // unterminated: the decoder reports it
}

// followedByColon reports whether the first byte from b[i] on that is not
// JSON white space is ':': the string before is a property name.
func followedByColon(b []byte, i int) bool {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return b[i] == ':'
	}
	return false
}

// notInt returns why Jackson binds no Java int from v, decoded from raw,
// or "": a number outside the int range, judged on its text as Jackson
// does (an integer as written; a fraction or an exponent read as a Java
// double, then truncated as ACCEPT_FLOAT_AS_INT allows, so 1e400, the
// double Infinity, is out of range), a boolean, an object or a list; a
// string only when, trimmed, it is neither empty, "null" nor an int in
// range (the default scalar coercion). null and a missing field are 0.
func notInt(v any, raw []byte) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64, json.Number:
		text := strings.TrimSpace(string(raw))
		if intInRange(text) {
			return ""
		}
		return fmt.Sprintf("Numeric value (%s) out of range of int (%d - %d)", text, math.MinInt32, math.MaxInt32)
	case string:
		s := strings.TrimSpace(x)
		if _, err := strconv.ParseInt(s, 10, 32); err == nil || s == "" || s == "null" {
			return ""
		}
		return fmt.Sprintf("Cannot deserialize value of type `int` from String %q: not a valid `int` value", x)
	}
	return fmt.Sprintf("Cannot deserialize value of type `int` from %T", v)
}

// javaInt returns the Java int an int field holds once v, its bound
// value, is taken (notInt found nothing to refuse): a number truncated, a
// string's int, 0 for null, "", "null" and a field left out.
func javaInt(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case string:
		n, _ := strconv.ParseInt(strings.TrimSpace(x), 10, 32)
		return int(n)
	}
	return 0
}

// intInRange reports whether the JSON number text reads as a Java int:
// an integer in range, or a number with a fraction or an exponent whose
// double is in range (ParserBase.convertNumberToInt).
func intInRange(text string) bool {
	if !strings.ContainsAny(text, ".eE") {
		_, err := strconv.ParseInt(text, 10, 32)
		return err == nil
	}
	f, err := strconv.ParseFloat(text, 64)
	return err == nil && f >= math.MinInt32 && f <= math.MaxInt32
}
