package httpx

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Redacted is what Redact puts in place of a secret.
const Redacted = "[REDACTED]"

// Redact returns s with every secret replaced by [REDACTED], in each form
// it may take: raw, JSON-escaped and URL-encoded, and each of those escaped
// once more (an error message quoting a response body that echoed the
// secret JSON-escaped holds it escaped twice). Empty secrets are ignored.
//
// A secret shorter than shortSecret bytes is replaced only where it stands
// as a word of its own (see redactWords): replaced inside words, a token
// "t" would turn "connection" into "connec[REDACTED]ion", which both
// garbles every line and shows the token to anyone who reads one.
func Redact(s string, secrets ...string) string {
	var forms, short []string
	for _, secret := range secrets {
		switch {
		case secret == "":
		case len(secret) < shortSecret:
			short = append(short, secretForms(secret)...)
		default:
			forms = append(forms, secretForms(secret)...)
		}
	}
	if len(short) > 0 {
		s = redactWords(s, short)
	}
	if len(forms) == 0 {
		return s
	}
	// Longest first: a replacer tries its pairs in order at each position,
	// and an escaped form may start with a shorter one.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	if !slices.ContainsFunc(forms, func(f string) bool { return strings.Contains(s, f) }) {
		return s
	}
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// shortSecret is the length under which a secret is redacted as a word
// only.
const shortSecret = 8

// redactWords replaces each of forms (longest first) where it is not glued
// to a word character on a side where it starts or ends with one: "t" in
// "Bearer t" or "key=t&", not in "connection".
func redactWords(s string, forms []string) string {
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	for _, f := range slices.Compact(forms) {
		var b strings.Builder
		rest := s
		for {
			i := strings.Index(rest, f)
			if i < 0 {
				break
			}
			end := i + len(f)
			before := len(s) - len(rest) + i // offset of the match in s
			if (wordByte(f[0]) && before > 0 && wordByte(s[before-1])) || (wordByte(f[len(f)-1]) && end < len(rest) && wordByte(rest[end])) {
				b.WriteString(rest[:i+1])
				rest = rest[i+1:]
				continue
			}
			b.WriteString(rest[:i])
			b.WriteString(Redacted)
			rest = rest[end:]
		}
		if b.Len() > 0 {
			b.WriteString(rest)
			s = b.String()
		}
	}
	return s
}

// wordByte reports whether c belongs to a word: an ASCII letter, digit or
// underscore, or a byte of a multi-byte UTF-8 character.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// RedactError returns err unchanged when its text holds none of secrets
// (in any form Redact knows), and otherwise an error whose text is
// redacted and which wraps err, so that errors.Is and errors.As still see
// through it. RedactError(nil) is nil.
func RedactError(err error, secrets ...string) error {
	return RedactErrorWith(err, func(msg string) string { return Redact(msg, secrets...) })
}

// RedactErrorWith is RedactError with a redaction of the caller's own
// (a profile's secrets as well as the configured ones, say).
func RedactErrorWith(err error, redact func(msg string) string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := redact(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

// redactedError is an error whose text had secrets removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// maxErrorBody is the most of an error response body an HTTPError keeps.
const maxErrorBody = 4 << 10

// readErrorBody returns the start of an error response body: at most 4 KiB
// cut on a rune boundary, secrets redacted. It drains a little more of r so
// that the connection can be reused.
func readErrorBody(r io.Reader, secrets []string) string {
	// Read past the cut by the longest form of a secret so that a secret
	// across the cut is still redacted.
	extra := 0
	for _, s := range secrets {
		extra = max(extra, 16*len(s))
	}
	b, _ := io.ReadAll(io.LimitReader(r, int64(maxErrorBody+extra)))
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	s := Redact(string(b), secrets...)
	if len(s) > maxErrorBody {
		s = s[:maxErrorBody]
		// Drop a rune the cut split in two.
		for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
			if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
				break
			}
			s = s[:len(s)-1]
		}
	}
	return s
}

// secretForms returns secret, its escaped forms and their escaped forms,
// and its bytes in base64 (standard and URL alphabets, padded or not) and
// in hex, as a server may echo a token it decoded or logged as bytes.
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
		hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)))
}

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

// URLSecrets returns the secrets the user information of a URL carries,
// none without any: its password, or its user name when it has no
// password (a token given as the user), and the value of the Basic
// Authorization header a client sends for them, which a server may echo.
func URLSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil
	}
	user := u.User.Username()
	secret, ok := u.User.Password()
	if !ok {
		secret = user
	}
	if secret == "" {
		return nil
	}
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))
	if !ok {
		basic = base64.StdEncoding.EncodeToString([]byte(user + ":"))
	}
	return []string{secret, basic}
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
