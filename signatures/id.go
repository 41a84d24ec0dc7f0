package signatures

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength is the longest inject id or phase, in bytes.
const MaxIDLength = 256

// maxEcho is the longest value an error made here quotes, in bytes.
const maxEcho = 64

// ValidateID checks an identifier that travels in a callback's URL path
// and in its Idempotency-Key header (an inject id, a phase): not blank, at
// most MaxIDLength bytes of printable ASCII (no control character; a
// header carries ASCII, and OpenAEV's ids are UUIDs), and not a dot
// segment ("." or ".."): escaping leaves dots
// as they are, and a server (or a proxy before it) that resolves dot
// segments would take /api/injects/../callback for /api/callback. A
// failure is a *ValidationError naming field and the value, quoted and cut
// to 64 bytes.
func ValidateID(field, v string) error {
	bad := func(reason string) error {
		return &ValidationError{Field: field, Value: Shorten(v, maxEcho), Reason: reason}
	}
	switch {
	case strings.TrimSpace(v) == "":
		return &ValidationError{Field: field, Value: v, Reason: "blank; give a non-blank value"}
	case len(v) > MaxIDLength:
		return bad(fmt.Sprintf("%d bytes long, at most %d allowed", len(v), MaxIDLength))
	case !utf8.ValidString(v):
		return bad("not valid UTF-8")
	case v == "." || v == "..":
		return bad("a dot segment: in a URL path it would name another resource")
	}
	if reason := Unprintable(v); reason != "" {
		return bad(reason)
	}
	for i, r := range v {
		if r > unicode.MaxASCII {
			return bad(fmt.Sprintf("holds the non-ASCII character %U at byte %d (the Idempotency-Key header carries ASCII)", r, i))
		}
	}
	return nil
}

// Unprintable says why v cannot be shown as it is, "" when it can: the
// first character unicode.IsPrint refuses (a control or format character,
// a line or paragraph separator, a space other than U+0020), which a
// terminal would obey or that would break or hide a line, or the first
// byte that is not UTF-8. It is the one check of every value that names
// something and is printed (an inject id, a platform id, an outbox's
// path): such a value is refused.
func Unprintable(v string) string {
	for i, r := range v {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(v[i:], string(utf8.RuneError)):
			return fmt.Sprintf("holds the byte 0x%02X at byte %d, not UTF-8", v[i], i)
		case !unicode.IsPrint(r):
			return fmt.Sprintf("holds the non-printable character %U at byte %d (control, format and separator characters are refused)", r, i)
		}
	}
	return ""
}

// Validate checks the platform ids an attribution carries (its
// signature_target): each one given must not be blank nor hold a
// character unicode.IsPrint refuses, which a terminal showing the body
// would obey and no platform id holds. A failure is a *ValidationError on
// agent, asset or asset_group.
func (a Attribution) Validate() error {
	for _, id := range [...]struct{ field, v string }{{"agent", a.Agent}, {"asset", a.Asset}, {"asset_group", a.AssetGroup}} {
		reason := Unprintable(id.v)
		if id.v != "" && strings.TrimSpace(id.v) == "" {
			reason = "blank; give the platform's id or leave the key out"
		}
		if reason != "" {
			return &ValidationError{Field: id.field, Value: Shorten(id.v, maxEcho), Reason: reason}
		}
	}
	return nil
}

// Shorten returns s cut to at most n bytes on a character boundary, with
// "…" appended when it was cut: for quoting user input in an error
// without echoing all of it.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
