package framework

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// The one reading of a scalar's text, an int's or a bool's, by every
// intake: a param (--param, the config file's or INJECTKIT_PARAM's pairs,
// a platform message's content) and a setting of the host (a flag, an
// INJECTKIT_… variable, the config file), so that a value one accepts the
// other accepts, and one refused is refused everywhere with the same
// reason. A duration has its own (ParseDuration), read by both as well.

// ErrNotInteger refuses a text that is not a whole number as JSON writes
// one: it says the spellings taken, the inject file's, so that a user
// who wrote +3 knows why 3.0 passes and it does not.
var ErrNotInteger = errors.New("not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)")

// errLeadingZero is ErrNotInteger for a number written with a leading 0
// (010): octal (8) to some readers (YAML 1.1, C, a shell's $((…))),
// decimal (10) to others, so it is no number to guess at.
var errLeadingZero = errors.New(ErrNotInteger.Error() + ": " + leadingZeroReason)

// leadingZeroReason is why a number written with a leading 0 (010) is
// refused, an integer's or a duration's number of seconds.
const leadingZeroReason = "a leading 0 is octal to some readers, decimal to others"

// ErrPastDigits is ParseInteger's refusal of a whole number of more than
// 20 digits (1e400), past every integer type's range: the caller says
// which range (as for any number out of it).
var ErrPastDigits = errors.New("past every integer type's range")

// ParseInteger reads text as an integer: a JSON number (RFC 8259: an
// optional -, no + nor leading 0) that is whole, 3.0 and 3e0 included,
// as encoding/json reads an inject file's number, exactly
// (9007199254740993.0 is not a float64's 9007199254740992). A text of
// another form is ErrNotInteger (010, +4, 0x10, 1_000, 3.5); a whole
// number past 20 digits is ErrPastDigits. The range is the caller's.
func ParseInteger(text string) (*big.Int, error) {
	switch {
	case leadingZero(text):
		return nil, errLeadingZero
	case !isJSONNumber(text), !wholeLiteral(text):
		return nil, ErrNotInteger
	}
	digits, ok := exactInteger(text)
	if !ok {
		return nil, ErrPastDigits
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, ErrPastDigits
	}
	return n, nil
}

// leadingZero reports a number written with a leading 0 before another
// digit (010, -07, 00.5): JSON's grammar refuses it, and its reader
// deserves to be told why.
func leadingZero(text string) bool {
	digits := strings.TrimPrefix(text, "-")
	return len(digits) > 1 && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9'
}

// BoolValues are the texts ParseBool reads, as a refusal lists them.
const BoolValues = "true or false (also 1, 0, t, f, TRUE, FALSE, True, False, T, F)"

// ErrNotBool refuses a text that is none of BoolValues (yes, on, 2).
var ErrNotBool = errors.New("not a boolean: want " + BoolValues)

// ParseBool reads text as a boolean: true, false, and the forms Go's
// strconv.ParseBool reads (1, 0, t, f, TRUE, True…), which a flag of
// the host (--insecure=1, read by the flag package) takes too and which
// deployments write (INJECTKIT_INSECURE=1, Ansible's True). Any other
// text (yes, on, YAML 1.1's words for true) is ErrNotBool.
func ParseBool(text string) (bool, error) {
	b, err := strconv.ParseBool(text)
	if err != nil {
		return false, ErrNotBool
	}
	return b, nil
}
