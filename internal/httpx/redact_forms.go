package httpx

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// travelForms returns secret and the forms a client sends it in, where
// they differ from it: query-escaped (a key in a URL's query, as
// url.Values encodes it) and path-escaped (a token in a URL's path). Each
// is a secret of its own, with its own escaped, base64 and hex forms: a
// server or a proxy echoing the request line in base64 or hex encodes the
// key as it travelled, escaped, not the raw key. The other forms a secret
// travels in are given as secrets of their own by those who send them
// (the Basic header value of a URL's user information: see URLSecrets);
// a Bearer header's value holds the token as it is, its base64 found by
// base64Cores, its hex and escaped forms by the token's own.
func travelForms(secret string) []string {
	out := []string{secret}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// secretForms returns secret, its escaped forms and their escaped forms,
// its bytes in base64 (standard and URL alphabets, padded or not), in
// base32 (standard and extended hex alphabets, padded or not) and in hex,
// as a server may echo a token it decoded or logged as bytes, and secret
// reversed (character by character), as a server hiding it badly may
// write it.
func secretForms(secret string) []string {
	forms := []string{secret}
	for _, once := range escapes(secret) {
		forms = append(forms, once)
		forms = append(forms, escapes(once)...)
	}
	forms = append(forms, everyCharEscaped(secret)...)
	b := []byte(secret)
	return append(forms,
		base64.StdEncoding.EncodeToString(b), base64.URLEncoding.EncodeToString(b),
		base64.RawStdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b),
		base32.StdEncoding.EncodeToString(b), base32.HexEncoding.EncodeToString(b),
		base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b),
		base32.HexEncoding.WithPadding(base32.NoPadding).EncodeToString(b),
		hex.EncodeToString(b), reversed(secret))
}

// reversed returns s with its characters in reverse order.
func reversed(s string) string {
	r := []rune(s)
	slices.Reverse(r)
	return string(r)
}

// base32Cores is base64Cores for base32 (standard and extended hex
// alphabets), whose characters hold 5 bits: for k filler bytes before the
// secret, at each of the five alignments a secret may take in a longer
// text, the characters of base32(filler + secret) from ceil(8k/5) to
// floor(8(k+len)/5). Letters are matched whatever their case, so a
// lower-cased base32 (as DNS names carry it) is found too.
func base32Cores(secret string) []string {
	return encodedCores(make([]string, 0, 10), secret, 5, 5, base32.StdEncoding, base32.HexEncoding)
}

// base64Cores returns the base64 of secret as it stands inside the base64
// of a longer text, at each of the three alignments it may take there: a
// server echoing the whole Authorization header encoded ("Bearer " and the
// token), or a JSON object holding the token. For k filler bytes before
// it, the characters of base64(filler + secret) that hold bits of the
// secret alone, from ceil(8k/6) to floor(8(k+len)/6): the leading ones
// share bits with the filler, the trailing ones with what follows or the
// padding. Standard and URL alphabets; padding falls outside a core, so
// padded and unpadded texts are alike. Redact asks for them for secrets of
// ShortSecret bytes and more only, whose cores are 10 characters or more:
// shorter cores would match in unrelated text.
//
// The text encoded may hold the secret JSON-escaped (a JSON object holding
// a token with a `"` or `\`), or escaped as Java's Gson writes it ("=",
// "'", "<", ">" and "&" as \u003d, \u0027, \u003c, \u003e, \u0026): the
// cores of each of those forms that differs from secret are returned too.
func base64Cores(secret string) []string {
	out := make([]string, 0, 18)
	for _, form := range jsonForms(secret) {
		out = encodedCores(out, form, 6, 3, base64.StdEncoding, base64.URLEncoding)
	}
	return out
}

// wideForms returns the forms of secret a server on a stack whose strings
// are UTF-16 echoes (.NET's Encoding.Unicode, Java's UTF_16LE, the base64
// PowerShell's -EncodedCommand takes): the hex of its UTF-16 bytes, little-
// and big-endian, and their base64 inside a longer text at each of the
// three alignments (see base64Cores), for each of its JSON forms. The
// UTF-16 bytes themselves need none: a reader's view of a server's text
// drops their NULs (see cleanText).
func wideForms(secret string) []string {
	out := make([]string, 0, 14)
	for _, form := range jsonForms(secret) {
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			var b []byte
			for _, u := range utf16.Encode([]rune(form)) {
				b = order.AppendUint16(b, u)
			}
			out = append(out, hex.EncodeToString(b))
			out = encodedCores(out, string(b), 6, 3, base64.StdEncoding, base64.URLEncoding)
		}
	}
	return out
}

// encodedCores appends to out, for each encoding of bits bits a character
// and each of the alignments a text may give form in it (k filler bytes
// before it, k < alignments), the characters of the encoding of filler +
// form that hold bits of form alone: from ceil(8k/bits) to
// floor(8(k+len)/bits).
func encodedCores(out []string, form string, bits, alignments int, encs ...interface{ EncodeToString([]byte) string }) []string {
	for k := range alignments {
		b := make([]byte, k+len(form))
		copy(b[k:], form)
		lo, hi := (8*k+bits-1)/bits, 8*(k+len(form))/bits
		for _, enc := range encs {
			out = append(out, enc.EncodeToString(b)[lo:hi])
		}
	}
	return out
}

// jsonForms returns secret and, where they differ from it, its forms
// inside a JSON string: as encoding/json writes it without HTML escaping,
// and as Gson writes it (HTML-safe, "=" and "'" escaped as well).
func jsonForms(secret string) []string {
	forms := []string{secret}
	for _, f := range []string{jsonInner(secret, false), gsonEscape.Replace(jsonInner(secret, false))} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// gsonEscape escapes the characters Gson's HTML-safe writer (its default)
// writes as \u escapes, lower-case hex, in the inside of a JSON string.
var gsonEscape = strings.NewReplacer("=", `\u003d`, "'", `\u0027`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`)

// escapes returns the encodings s may travel in through a server's answer
// or an error message, each with hex in upper and lower case where it has
// hex:
//   - JSON-escaped, as encoding/json writes it (with and without HTML
//     escaping, and each with every non-ASCII character as \uXXXX, as
//     Python's json.dumps writes it), with "/" as "\/" (PHP's json_encode),
//     and as Go's %q quotes it;
//   - URL-encoded: Go's query and path escaping (Python's quote_plus
//     writes the query form), JavaScript's encodeURIComponent, and Python's
//     quote, which keeps "/" unless told safe=”;
//   - form-encoded, "+" for a space: as HTML forms, URLSearchParams and
//     Java's URLEncoder write it ("*" kept, "/" and "~" escaped), and with
//     "/" left as it is, as a server echoing a query string it logged may
//     (Python's quote_plus with safe='/': "key=my+s3cret/key");
//   - HTML-escaped, as Go's html.EscapeString (&#39; &#34;) and Python's
//     html.escape (&#x27; &quot;) write it: an error page echoing its input.
func escapes(s string) []string {
	q := strconv.Quote(s)
	var out []string
	for _, html := range []bool{true, false} {
		inner := jsonInner(s, html)
		out = append(out, inner, strings.ReplaceAll(inner, "/", `\/`))
		if ascii := asciiJSON(inner); ascii != inner {
			out = append(out, ascii, upperUnicodeHex(ascii))
		}
	}
	out = append(out, q[1:len(q)-1])
	for _, enc := range []string{
		url.QueryEscape(s), url.PathEscape(s),
		percentEncode(s, componentSafe), percentEncode(s, quoteSafe), percentEncode(s, unreserved),
		formEncode(s, formSafe), formEncode(s, quoteSafe),
	} {
		out = append(out, enc, lowerHex(enc))
	}
	return append(out, html.EscapeString(s), pythonHTML.Replace(s))
}

// everyCharEscaped returns s with every character escaped, letters and
// digits too, as a server hiding nothing but escaping everything may echo
// it, and any decoder turns back: each character as a JSON \uXXXX, each
// byte as %XX, each character as a decimal or hex HTML character reference;
// hex in lower and upper case.
func everyCharEscaped(s string) []string {
	var js, pct, dec, hexRef strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&js, "\\u%04x\\u%04x", r1, r2)
		} else {
			fmt.Fprintf(&js, "\\u%04x", r)
		}
		fmt.Fprintf(&dec, "&#%d;", r)
		fmt.Fprintf(&hexRef, "&#x%x;", r)
	}
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&pct, "%%%02X", s[i])
	}
	return []string{js.String(), upperUnicodeHex(js.String()), pct.String(), lowerHex(pct.String()),
		dec.String(), hexRef.String(), strings.ToUpper(hexRef.String())}
}

// pythonHTML escapes as Python's html.escape does.
var pythonHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

// The bytes other than ASCII letters and digits that encodeURIComponent
// and Python's quote leave as they are.
const (
	componentSafe = "-_.!~*'()"
	quoteSafe     = "-_.~/"
	unreserved    = "-_.~" // Python's quote(s, safe='')
	formSafe      = "*-._" // application/x-www-form-urlencoded (WHATWG URL, Java's URLEncoder)
)

// formEncode is percentEncode with a space as "+", as a form or a query
// string is encoded.
func formEncode(s, safe string) string {
	return strings.ReplaceAll(percentEncode(s, safe+" "), " ", "+")
}

// percentEncode writes s with every byte other than an ASCII letter, digit
// or one of safe as %XX (upper-case hex), a space included.
func percentEncode(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// asciiJSON rewrites the non-ASCII characters of a JSON string's inside as
// \uXXXX escapes (lower-case hex; a surrogate pair above U+FFFF).
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04x\\u%04x", r1, r2)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// upperUnicodeHex upper-cases the hex digits of the \uXXXX escapes of s,
// as asciiJSON wrote them.
func upperUnicodeHex(s string) string {
	b := []byte(s)
	for i := 0; i+5 < len(b); i++ {
		if b[i] != '\\' || b[i+1] != 'u' {
			continue
		}
		for j := i + 2; j < i+6; j++ {
			if b[j] >= 'a' && b[j] <= 'f' {
				b[j] -= 'a' - 'A'
			}
		}
		i += 5
	}
	return string(b)
}

// jsonInner returns s as a JSON string without its quotes.
func jsonInner(s string, html bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(s) // a string always encodes
	out := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	return string(out[1 : len(out)-1])
}

// lowerHex lowers the hex digits of the percent escapes of s.
func lowerHex(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lower(b[i+1]), lower(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}
