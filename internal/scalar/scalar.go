// Package scalar owns the one reading of a scalar's text, an integer's or
// a boolean's, by every intake: an injector's param (--param, the config
// file's or INJECTKIT_PARAM's pairs, an inject file's number, a platform
// message's content, read by package framework) and a setting of the host
// (a flag, an INJECTKIT_… variable, the config file, read by package cli),
// so that a value one accepts the other accepts, and one refused is
// refused everywhere for the same reason. It also holds the JSON number
// grammar both read whole numbers by (JSONNumber, Whole, Exact), and the
// advice given for a duration that rounds to 0s (ErrRoundsToZero,
// ZeroAdvice), whoever reads it.
package scalar

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
)

// A duration has its own reading, framework.ParseDuration, which both
// read as well and which refuses a leading 0 for LeadingZeroReason.

// ErrNotInteger refuses a text that is not a whole number as JSON writes
// one: it says the spellings taken, the inject file's, so that a user
// who wrote +3 knows why 3.0 passes and it does not.
var ErrNotInteger = errors.New("not an integer as JSON writes one (3, 3.0 or 3e0; not +3, 03 nor 3.5)")

// errLeadingZero is ErrNotInteger for a number written with a leading 0
// (010): octal (8) to some readers (YAML 1.1, C, a shell's $((…))),
// decimal (10) to others, so it is no number to guess at.
var errLeadingZero = errors.New(ErrNotInteger.Error() + ": " + LeadingZeroReason)

// LeadingZeroReason is why a number written with a leading 0 (010) is
// refused, an integer's or a duration's number of seconds.
const LeadingZeroReason = "a leading 0 is octal to some readers, decimal to others"

// ErrPastDigits is Integer's refusal of a whole number of more than
// 20 digits (1e400), past every integer type's range: the caller says
// which range (as for any number out of it).
var ErrPastDigits = errors.New("past every integer type's range")

// Integer reads text as an integer: a JSON number (RFC 8259: an
// optional -, no + nor leading 0) that is whole, 3.0 and 3e0 included,
// as encoding/json reads an inject file's number, exactly
// (9007199254740993.0 is not a float64's 9007199254740992). A text of
// another form is ErrNotInteger (010, +4, 0x10, 1_000, 3.5); a whole
// number past 20 digits is ErrPastDigits. The range is the caller's.
func Integer(text string) (*big.Int, error) {
	switch {
	case LeadingZero(text):
		return nil, errLeadingZero
	case !JSONNumber(text), !Whole(text):
		return nil, ErrNotInteger
	}
	digits, ok := Exact(text)
	if !ok {
		return nil, ErrPastDigits
	}
	n, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return nil, ErrPastDigits
	}
	return n, nil
}

// LeadingZero reports a number written with a leading 0 before another
// digit (010, -07, 00.5): JSON's grammar refuses it, and its reader
// deserves to be told why.
func LeadingZero(text string) bool {
	digits := strings.TrimPrefix(text, "-")
	return len(digits) > 1 && digits[0] == '0' && digits[1] >= '0' && digits[1] <= '9'
}

// BoolValues are the texts Bool reads, as a refusal lists them.
const BoolValues = "true or false (also 1, 0, t, f, TRUE, FALSE, True, False, T, F)"

// ErrNotBool refuses a text that is none of BoolValues (yes, on, 2).
var ErrNotBool = errors.New("not a boolean: want " + BoolValues)

// Bool reads text as a boolean: true, false, and the forms Go's
// strconv.Bool reads (1, 0, t, f, TRUE, True…), which a flag of
// the host (--insecure=1, read by the flag package) takes too and which
// deployments write (INJECTKIT_INSECURE=1, Ansible's True). Any other
// text (yes, on, YAML 1.1's words for true) is ErrNotBool.
func Bool(text string) (bool, error) {
	b, err := strconv.ParseBool(text)
	if err != nil {
		return false, ErrNotBool
	}
	return b, nil
}
