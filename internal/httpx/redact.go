package httpx

import (
	"cmp"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Redacted is what Redact puts in place of a secret.
const Redacted = "[REDACTED]"

// Redact returns s with every secret replaced by [REDACTED], in each form
// it may take: raw, JSON-escaped and URL-encoded, and each of those escaped
// once more (an error message quoting a response body that echoed the
// secret JSON-escaped holds it escaped twice), with any of its
// characters \u-escaped, percent-encoded or written as HTML or XML
// character references, those escapes composed up to maxRounds deep
// (standin%252Dtoken, standin&#37;2Dtoken; see unescapedSpans), its
// bytes in base64, base32 and hex, its characters reversed (see
// secretForms), and, for a secret of ShortSecret bytes or more, its
// base64 or base32 inside the base64 or base32 of a longer text (see
// base64Cores, base32Cores), and its start quoted cut short, before a
// "…" (see cutSpans). Empty secrets are ignored.
//
// Every form is matched whatever the case of its letters, by Unicode
// simple folding as strings.EqualFold compares ("ké" echoed "KÉ"; see
// foldSpans): a server or a DNS name may echo a mixed-case key
// lowercased ("h-<key>.example"), which shows nearly all of it. Matching
// an encoded form (base64) in another case redacts a little more than
// needed, which is harmless.
//
// A secret shorter than ShortSecret bytes is replaced only where it stands
// as a word of its own (see wordAt): replaced inside words, a token
// "t" would turn "connection" into "connec[REDACTED]ion", which both
// garbles every line and shows the token to anyone who reads one. Of its
// encoded forms, those of a few letters and digits (the hex "54" of "T")
// are left out (see distinctForms).
//
// Redact builds the forms of the secrets on each call; a caller redacting
// many texts with the same secrets (every log line) builds a Redactor once.
func Redact(s string, secrets ...string) string { return NewRedactor(secrets...).Redact(s) }

// Redactor redacts a fixed set of secrets as Redact does, their forms
// built once. It is safe for concurrent use.
type Redactor struct {
	forms
	// echo finds what word-by-word redaction leaves of a secret in a
	// server's text (see ServerText), built on first use.
	echo echoFinder
}

// forms are the forms of a Redactor's secrets, ASCII lowercased, longest
// first: long match anywhere, short as words only (see wordAt); scan
// finds them all in one pass over a text (see pairScanner); fold are
// those that may match beyond ASCII case (see foldSpans); cut are the
// long forms but wideForms', whose starts a value quoted cut short may
// show, and fails returns their failure functions (see cutSpans), built on
// the first text holding a cut mark.
type forms struct {
	long, short, cut [][]byte
	scan             formScanner
	fold             []foldForm
	fails            func() [][]int32
}

// NewRedactor returns a Redactor of secrets: of each, the forms it
// travels in (see travelForms), each with its own encodings.
func NewRedactor(secrets ...string) *Redactor {
	var long, short, wide, whole []string
	for _, secret := range secrets {
		if len(secret) >= ShortSecret {
			whole = append(whole, secret)
		}
		for _, t := range travelForms(secret) {
			switch {
			case secret == "":
			case len(secret) < ShortSecret:
				short = append(short, distinctForms(t, secretForms(t))...)
			default:
				long = append(long, secretForms(t)...)
				long = append(long, base64Cores(t)...)
				long = append(long, base32Cores(t)...)
				wide = append(wide, wideForms(t)...)
			}
		}
	}
	// The hex and base64 of a secret's UTF-16 bytes are ASCII, never
	// written with K or ſ, and no value quoted cut short starts with them:
	// they are matched whole on the fast path only, which keeps their
	// forms (14 for each form a secret travels in, 42 when JSON escapes
	// it) out of a non-ASCII line's folding and of the check of each cut
	// mark.
	long, short = folded(long), folded(short)
	fs := forms{short: asBytes(short), cut: asBytes(long), fold: foldForms(long, short)}
	fs.long = asBytes(folded(append(slices.Clone(long), wide...)))
	fs.scan = newPairScanner(fs.all(), fs.fold)
	fs.fails = sync.OnceValue(func() [][]int32 {
		fails := make([][]int32, len(fs.cut))
		for i, f := range fs.cut {
			fails[i] = kmpFailure(f)
		}
		return fails
	})
	return &Redactor{forms: fs, echo: echoFinder{secrets: whole}}
}

// Redact returns s with r's secrets replaced by [REDACTED] (see Redact).
func (r *Redactor) Redact(s string) string {
	if len(r.long)+len(r.short) == 0 {
		return s
	}
	return replaceSpans(s, r.spans(s))
}

// spans returns the bytes of s that hold a form of r's secrets, possibly
// overlapping, in no order.
func (r *Redactor) spans(s string) [][2]int {
	spans := decoded{text: s}.find(nil, s, &r.forms)
	spans = r.cutSpans(spans, s)
	return unescapedSpans(spans, s, &r.forms)
}

// folded returns forms lowercased in ASCII, longest first, without
// duplicates. A form holding K (the Kelvin sign) or ſ (the long s) gets
// a twin with them written k and s, so that the fast path finds the echo
// of a server that lowercased it (strings.ToLower("K") is "k"), which
// holds no non-ASCII character for foldSpans to search.
func folded(forms []string) []string {
	for _, f := range forms {
		if strings.Contains(f, kelvin) || strings.Contains(f, longS) {
			forms = append(forms, strings.NewReplacer(kelvin, "k", longS, "s").Replace(f))
		}
	}
	for i, f := range forms {
		if strings.ContainsFunc(f, func(r rune) bool { return 'A' <= r && r <= 'Z' }) {
			forms[i] = string(appendLower(make([]byte, 0, len(f)), f))
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return slices.Compact(forms)
}

// asBytes returns forms as byte slices of one array.
func asBytes(forms []string) [][]byte {
	n := 0
	for _, f := range forms {
		n += len(f)
	}
	all := make([]byte, 0, n)
	out := make([][]byte, len(forms))
	for i, f := range forms {
		all = append(all, f...)
		out[i] = all[len(all)-len(f) : len(all) : len(all)]
	}
	return out
}

// appendLower appends s to dst with its ASCII letters lowercased; every
// other byte, of a multi-byte character too, is kept.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// ShortSecret is the length under which a secret is redacted as a word
// only, and of its encoded forms only those that stand out (see
// distinctForms): a token that short is hardly a real one.
const ShortSecret = 8

// distinctForms returns the forms of secret, a short one, that would not
// match ordinary text as a word: secret itself (always redacted), and an
// encoded form carrying its escapes (%, \u, &#) or padding, or at least
// ShortSecret characters long. The others, a few letters and digits (the
// hex "54" and the base64 "VA" of a token "T"), would stand for a time's
// minutes or a word of any line, and are left out.
func distinctForms(secret string, forms []string) []string {
	out := forms[:0:0]
	for _, f := range forms {
		if f == secret || len(f) >= ShortSecret || strings.ContainsFunc(f, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
		}) {
			out = append(out, f)
		}
	}
	return out
}

// wordAt reports whether form f, matched at s[start:end], is not glued to
// a word character on a side where it starts or ends with one: "t" in
// "Bearer t" or "key=t&", not in "connection".
func wordAt[F string | []byte](s string, start, end int, f F) bool {
	return !(wordByte(f[0]) && start > 0 && wordByte(s[start-1])) &&
		!(wordByte(f[len(f)-1]) && end < len(s) && wordByte(s[end]))
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
