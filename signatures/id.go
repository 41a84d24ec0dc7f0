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
// first character unicode.IsPrint refuses (those Garbling refuses, and
// every space but U+0020, private-use and unassigned code points), or the
// first byte that is not UTF-8. It is the check of a value that names
// something and that no one types with such a character (an inject id, a
// platform id, a field path an error shows unquoted): such a value is
// refused, or quoted. A path, which may hold any space, is checked by
// Garbling.
func Unprintable(v string) string {
	return firstRefused(v, func(r rune) bool { return !unicode.IsPrint(r) },
		"control, format and separator characters are refused")
}

// Garbling says why v would garble the line it is printed in, "" when it
// would not: the first control (Cc) or format (Cf) character, line (Zl)
// or paragraph (Zp) separator, which a terminal would obey or that would
// break, reorder or hide a line, or the first byte that is not UTF-8.
// Spaces (Zs: U+00A0, U+2009, U+3000 …) pass: a file name may hold them.
// It is the check of a path that is printed (an outbox's, its directory's
// from XDG_STATE_HOME or HOME): such a path is refused.
func Garbling(v string) string {
	return firstRefused(v, func(r rune) bool {
		return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
	}, "control and format characters, line and paragraph separators are refused")
}

// firstRefused says where v holds its first byte that is not UTF-8 or
// its first character refused says no to, "" for none; which says which
// characters are refused.
func firstRefused(v string, refused func(rune) bool, which string) string {
	for i, r := range v {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(v[i:], string(utf8.RuneError)):
			return fmt.Sprintf("holds the byte 0x%02X at byte %d, not UTF-8", v[i], i)
		case refused(r):
			return fmt.Sprintf("holds the non-printable character %U at byte %d (%s)", r, i, which)
		}
	}
	return ""
}

// ReasonBlankID is why a platform id (agent, asset, asset group) given
// blank is refused.
const ReasonBlankID = "blank; give the platform's id or leave the key out"

// Validate checks the platform ids an attribution carries (its
// signature_target): each one given must not be blank nor hold a
// character unicode.IsPrint refuses, which a terminal showing the body
// would obey and no platform id holds. A failure is a *ValidationError on
// agent, asset or asset_group.
func (a Attribution) Validate() error {
	for _, id := range [...]struct{ field, v string }{{"agent", a.Agent}, {"asset", a.Asset}, {"asset_group", a.AssetGroup}} {
		reason := Unprintable(id.v)
		if id.v != "" && strings.TrimSpace(id.v) == "" {
			reason = ReasonBlankID
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
