package cli

import (
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"unicode"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/scalar"
	"github.com/injectkit/injectkit/transport/outbox"
)

// item is an item of a list as it is kept: without the white space around
// it ("a, b" is a and b), but for a pair (key=value), whose value keeps its
// own, as the inject file's would (--param 'greeting= ' is " "); the
// environment's and the config file's pairs are trimmed whole before
// (mergedPairs). A pair whose key is white space alone (' =x') is kept as
// written, for the run to refuse quoting what the user wrote (addParams).
func (f field) item(s string) string {
	if f.pairs {
		if blankKey(s) {
			return s
		}
		return strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	return strings.TrimSpace(s)
}

// blankKey reports a pair (key=value) whose key is empty or white space
// alone.
func blankKey(s string) bool {
	k, _, ok := strings.Cut(s, "=")
	return ok && strings.TrimSpace(k) == ""
}

// trimmed is a setting's value without the white space around it, which
// an environment file (Docker's --env-file keeps trailing spaces, a
// Kubernetes Secret a trailing newline), a paste or a quoted YAML scalar
// adds and no value means: every scalar setting, from every source, is
// read so, as a list's items are (item). A value of white space alone is
// kept, to be refused where a blank value is (a path, a name).
func trimmed(s string) string {
	if t := strings.TrimSpace(s); t != "" {
		return t
	}
	return s
}

// enumValue is the value of enum that text names, in any letter case
// (JSON, Json and json are json), and whether one does.
func enumValue(enum []string, text string) (string, bool) {
	for _, e := range enum {
		if strings.EqualFold(e, text) {
			return e, true
		}
	}
	return "", false
}

// decode sets dst, the struct field of f, from r, the value of the layer
// that set it (set: one did, or the default; r is empty otherwise), read
// as f's type and options say. An invalid value is a usage error naming
// the key, the value (unless secret) and where it came from.
func (f field) decode(dst reflect.Value, r raw, set bool) error {
	if f.list() {
		if f.blank != "" && r.seq && len(r.vals) == 0 {
			// An empty list asks for none: not the default, which leaving
			// the key out gives.
			return f.invalid(r, "[]", errors.New("an empty list: give at least one, or leave the key out"))
		}
		var out []string
		for i, s := range r.vals {
			if s = f.item(s); strings.TrimSpace(s) != "" {
				out = append(out, s)
				continue
			}
			if f.blank != "" {
				return f.blankItem(r, i)
			}
		}
		dst.Set(reflect.ValueOf(out))
		return nil
	}
	if r.seq {
		return f.refused(r, errors.New(oneValueList))
	}
	text := ""
	if len(r.vals) > 0 {
		text = trimmed(r.vals[0])
	}
	written := text // as the user wrote it: white space alone is no secret to mask
	if f.secret {
		// A blank token is no token (and warned about as such).
		text = strings.TrimSpace(text)
		// A secret (a token) travels in an Authorization header: one
		// that cannot is refused here, where it is known where it was
		// given (never its value).
		if p := cmp.Or(httpx.TokenProblem(text), tokenSpace(text)); p != "" {
			return f.invalid(r, text, errors.New(p))
		}
	}
	switch {
	case f.required && text == "":
		return f.invalid(r, written, errors.New("required ("+f.sources()+")"))
	case !set:
		return nil
	case strings.TrimSpace(text) == "" && (f.typ == durationType || len(f.enum) > 0 || f.text() || f.nonblank):
		// Given, but blank: no value at all, not the default nor a 0 (an
		// integer's is refused as not one). One rule for every source.
		return f.invalid(r, text, errors.New(f.blankReason()))
	case len(f.enum) > 0:
		v, ok := enumValue(f.enum, text)
		if !ok {
			return f.invalid(r, text, errors.New("want "+orList(f.enum)+meant(text, f.enum)))
		}
		dst.SetString(v)
		return nil
	case f.text():
		if err := dst.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
			return f.invalid(r, text, err)
		}
		return nil
	}
	switch {
	case f.typ == durationType:
		// A bare number is seconds, as for a param.
		d, err := framework.ParseDuration(text)
		if err != nil {
			if strings.HasPrefix(strings.TrimSpace(text), "-") {
				return f.invalid(r, text, errors.New("must not be negative"))
			}
			if !strings.HasPrefix(err.Error(), "not a duration") {
				// Too long, or rounds to 0s: 0 is none, or refused.
				return f.invalid(r, text, scalar.ZeroAdvice(err, !f.positive, "the setting"))
			}
			return f.invalid(r, text, errors.New("not a duration (e.g. 30s, 5m, or 300 for seconds)"))
		}
		if d == 0 && f.positive {
			return f.invalid(r, text, errors.New("must be positive"))
		}
		dst.SetInt(int64(d))
	case f.typ.Kind() == reflect.String:
		if f.path() && text != "" && strings.TrimSpace(text) == "" {
			// A file named " " is a slip, never meant: refused, not
			// created (an outbox) nor looked for.
			return f.invalid(r, text, errors.New(blankPath))
		}
		if f.path() && strings.HasPrefix(text, "~") {
			// No shell reads a config file, the environment or a quoted
			// flag: the ~ would be a directory of that name, made (an
			// outbox) or looked for in the working directory.
			return f.invalid(r, text, errors.New(tildePath))
		}
		if f.key == "outbox" {
			if reason := garblingInPath(text); reason != "" {
				return f.invalid(r, text, errors.New(reason))
			}
			if text != noOutbox && text != "" {
				if err := outbox.CheckFile(text); err != nil {
					// none only where it keeps no outbox (run, serve): the
					// outbox commands refuse it.
					hint := "give an outbox file's path"
					if f.none {
						hint += ", or none to keep no outbox"
					}
					return f.invalid(r, text, fmt.Errorf("%w: %s", err, hint))
				}
			}
		}
		if f.url && text != "" {
			if _, err := httpx.ParseBaseURL(text); err != nil {
				return f.invalid(r, httpx.StripCredentials(text), err)
			}
		}
		dst.SetString(text)
	case f.isBool():
		// Given empty (the config file's insecure: ""), it is refused as
		// --insecure= is, not taken for false; an empty variable is
		// unset and a key with no value left out before this. One
		// reading, a param's too (scalar.Bool).
		b, err := scalar.Bool(text)
		if err != nil && (text != "" || len(r.vals) > 0) {
			return f.invalid(r, text, err)
		}
		dst.SetBool(b)
	default: // int, int64: read as an int param is (scalar.Integer)
		n, err := f.integer(text)
		if err != nil {
			return f.invalid(r, text, err)
		}
		dst.SetInt(n)
	}
	return nil
}

// tokenSpace is why a token holding a space is refused: a bearer token
// has none (RFC 6750's b64token), and the header would read "Bearer
// Bearer …" for a token copied with the word the header adds ("Bearer
// abc", or "Token abc"), which the backend refuses, 401, after the inject
// ran. "" for a token without one. The position is said, never the text.
func tokenSpace(token string) string {
	i := strings.IndexByte(token, ' ')
	switch {
	case i < 0:
		return ""
	case strings.EqualFold(token[:i], "bearer"):
		return "starts with the word Bearer: give the token alone, the Authorization header adds Bearer before it"
	}
	return fmt.Sprintf("holds a space at byte %d: a bearer token has none; give the token alone", i)
}

// blankReason is why a blank value of f, a duration, an enum, a text
// type or a nonblank string, is refused.
func (f field) blankReason() string {
	switch {
	case f.typ == durationType:
		return blankDuration
	case len(f.enum) > 0:
		return "must not be blank: want " + orList(f.enum) + ", or leave it out for the default"
	}
	return "must not be blank: leave it out for the default"
}

// integer reads text, the value of int setting f, as an int param's is
// read (scalar.Integer: 010 and +4 are refused, 3.0 and 1e3
// taken), within the range of f's type, above 0 when f is positive.
func (f field) integer(text string) (int64, error) {
	n, err := scalar.Integer(text)
	hi := int64(math.MaxInt64 >> (64 - f.typ.Bits()))
	switch {
	case errors.Is(err, scalar.ErrPastDigits):
		// An integer all the same: say so, and the bound.
		if strings.HasPrefix(text, "-") {
			return 0, errors.New(f.notPositive("too small"))
		}
		return 0, fmt.Errorf("too large: at most %d", hi)
	case err != nil:
		return 0, err
	case f.positive && n.Sign() <= 0:
		return 0, errors.New("not a positive integer")
	case !n.IsInt64() || n.Int64() > hi:
		if n.Sign() < 0 {
			return 0, errors.New(f.notPositive("too small"))
		}
		return 0, fmt.Errorf("too large: at most %d", hi)
	}
	return n.Int64(), nil
}

// notPositive is the refusal of a negative integer past f's type's range:
// a positive setting's own reason, else why.
func (f field) notPositive(why string) string {
	if f.positive {
		return "not a positive integer"
	}
	return why
}
