package signatures

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoConfigs is returned by CompilePre when it is given no configuration.
var ErrNoConfigs = errors.New("no target configuration")

// ValidationError reports a field whose value is missing or malformed.
// Field is the path of the field as it appears on the wire
// (for example "targets[2].target_ipv4"). Its text quotes at most
// MaxQuoted bytes of Value: a value of 100 KB (a port list, a pasted
// file) is named, not echoed whole.
//
// Withheld marks a value that may be a secret (a param named like a
// setting or a credential): its text says "(value withheld)" in place of
// the quoted value, and Value is empty.
//
// A refused address, CIDR range or host name (a field value, target_ipv4,
// target_ipv6 or target_hostname) is shown as ShownTarget shows it:
// "(not shown)" when it does not read as an attempt at one.
//
// Err, when not nil, is the cause the Reason words (a CA file's read
// error, say): errors.Is and errors.As reach it through Unwrap, and the
// text does not repeat it.
type ValidationError struct {
	Field    string
	Value    string
	Reason   string
	Withheld bool
	Err      error
}

// Unwrap returns Err.
func (e *ValidationError) Unwrap() error { return e.Err }

// MaxQuoted is the most of a value an error quotes, in bytes.
const MaxQuoted = 128

func (e *ValidationError) Error() string {
	field := shownField(e.Field)
	if e.Withheld {
		return fmt.Sprintf("invalid %s (value withheld): %s", field, e.Reason)
	}
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", field, e.Reason)
	}
	if addressField(e.Field) {
		return fmt.Sprintf("invalid %s %s: %s", field, ShownTarget(e.Value), e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", field, Shorten(e.Value, MaxQuoted), e.Reason)
}

// shownField returns a field path as an error shows it: as it is, unless
// it holds what the user wrote that a terminal would obey or garble (an
// inject file's params key holding a line break, an escape sequence, a
// format character, or bytes that are not UTF-8), then Go-quoted and cut
// to MaxQuoted bytes, as a --param key is.
//
// A params key given blank ("params." and "", or white space alone) is
// shown as params[""] (params[" "]): "params." reads as a cut-off path.
// A printable params key longer than MaxQuoted bytes (an inject file's
// key of 100 KB) is cut to MaxQuoted bytes, as its value would be.
func shownField(f string) string {
	key, isParam := strings.CutPrefix(f, "params.")
	if isParam && strings.TrimSpace(key) == "" {
		return fmt.Sprintf("params[%q]", key)
	}
	if Unprintable(f) == "" {
		if isParam {
			return "params." + Shorten(key, MaxQuoted)
		}
		return f
	}
	return fmt.Sprintf("%q", Shorten(f, MaxQuoted))
}

// TypeError reports an item of an unsupported Go type given to
// BuildNetworkConfigs.
type TypeError struct {
	Index int
	Type  string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("targets[%d]: unsupported target type %s (want string, map[string]any or NetworkConfig)", e.Index, e.Type)
}

// withPrefix returns err with its field path prefixed, when it is a
// *ValidationError; other errors are returned unchanged.
func withPrefix(prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		cp := *ve
		cp.Field = prefix + "." + ve.Field
		return &cp
	}
	return err
}

// ReasonSecret is the Reason of a refusal WithholdSecret withholds.
const ReasonSecret = "holds a secret (the token or a Secret setting): neither it nor what is wrong with it is shown"

// WithholdSecret returns err, a refusal, with its *ValidationError's value
// withheld when that value holds a secret (redact, the caller's redaction
// of its secrets, changes it): Withheld, and its Reason ReasonSecret, as
// a reason may quote a piece of the value no redaction of the whole
// recognises (a port parser's "in …: "S3cr3t" is not a port number", the
// token cut at a '-'). The withheld error replaces err (a wrapping's text
// could quote the value too); any other err, or a nil redact, is returned
// as it is.
func WithholdSecret(err error, redact func(string) string) error {
	var ve *ValidationError
	if redact == nil || !errors.As(err, &ve) || ve.Value == "" || redact(ve.Value) == ve.Value {
		return err
	}
	return &ValidationError{Field: ve.Field, Reason: ReasonSecret, Withheld: true}
}
