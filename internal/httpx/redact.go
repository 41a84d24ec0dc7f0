package httpx

import (
	"cmp"
	"encoding/base64"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Redacted is what Redact puts in place of a secret.
const Redacted = "[REDACTED]"

// Redact returns s with every secret replaced by [REDACTED], in each form
// it may take: raw, JSON-escaped and URL-encoded, and each of those escaped
// once more (an error message quoting a response body that echoed the
// secret JSON-escaped holds it escaped twice), with any of its
// characters \u-escaped, once, twice or three times (see
// redactUnescaped), and, for a secret of shortSecret bytes or more, its
// base64 inside the base64 of a longer text (see base64Cores). Empty
// secrets are ignored.
//
// A secret shorter than shortSecret bytes is replaced only where it stands
// as a word of its own (see redactWords): replaced inside words, a token
// "t" would turn "connection" into "connec[REDACTED]ion", which both
// garbles every line and shows the token to anyone who reads one.
//
// Redact builds the forms of the secrets on each call; a caller redacting
// many texts with the same secrets (every log line) builds a Redactor once.
func Redact(s string, secrets ...string) string { return NewRedactor(secrets...).Redact(s) }

// Redactor redacts a fixed set of secrets as Redact does, their forms
// built once. It is safe for concurrent use.
type Redactor struct {
	long, short []string // forms, longest first
	replacer    *strings.Replacer
}

// NewRedactor returns a Redactor of secrets.
func NewRedactor(secrets ...string) *Redactor {
	var long, short []string
	for _, secret := range secrets {
		switch {
		case secret == "":
		case len(secret) < shortSecret:
			short = append(short, secretForms(secret)...)
		default:
			long = append(long, secretForms(secret)...)
			long = append(long, base64Cores(secret)...)
		}
	}
	// Longest first: a replacer tries its pairs in order at each position,
	// and an escaped form may start with a shorter one.
	r := &Redactor{long: longestFirst(long), short: longestFirst(short)}
	if len(r.long) > 0 {
		pairs := make([]string, 0, 2*len(r.long))
		for _, f := range r.long {
			pairs = append(pairs, f, Redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r
}

// Redact returns s with r's secrets replaced by [REDACTED] (see Redact).
func (r *Redactor) Redact(s string) string {
	if len(r.long)+len(r.short) == 0 {
		return s
	}
	if len(r.short) > 0 {
		s = redactWords(s, r.short)
	}
	if slices.ContainsFunc(r.long, func(f string) bool { return strings.Contains(s, f) }) {
		s = r.replacer.Replace(s)
	}
	return redactUnescaped(s, r.long, r.short)
}

// longestFirst sorts forms longest first and drops duplicates.
func longestFirst(forms []string) []string {
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return slices.Compact(forms)
}

// shortSecret is the length under which a secret is redacted as a word
// only.
const shortSecret = 8

// redactWords replaces each of forms (longest first) where it is not glued
// to a word character on a side where it starts or ends with one: "t" in
// "Bearer t" or "key=t&", not in "connection".
func redactWords(s string, forms []string) string {
	for _, f := range longestFirst(forms) {
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
