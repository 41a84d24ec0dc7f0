package scalar

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// jsonNumber is a JSON number's grammar (RFC 8259, section 6), compiled
// on first use: a command that reads no int param, or only plain
// integers (JSONNumber), never builds it.
var jsonNumber = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)
})

// JSONNumber reports whether text is a JSON number (jsonNumber). A
// plain integer, the spelling nearly every int param is given in
// (--param timing=4), is read without the grammar's regexp, whose
// compilation would otherwise cost each such run more than the rest of
// the param's reading.
func JSONNumber(text string) bool {
	if digits := strings.TrimPrefix(text, "-"); digits != "" && (digits == "0" || digits[0] != '0') &&
		strings.Trim(digits, "0123456789") == "" {
		return true
	}
	return jsonNumber().MatchString(text)
}

// Whole reports whether literal, a JSON number, is a whole number
// however it is written: 300, 3e2, 3.0e2, 1e+300 and 1e400 (which no
// float64 holds) are; 3.5 and 1e-400 are not. It reads the digits and the
// exponent, never building the number, so that an exponent of a million
// costs no more than one of 2.
func Whole(literal string) bool {
	mantissa, exp, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(literal, "-")), "e")
	integer, fraction, _ := strings.Cut(mantissa, ".")
	all := integer + fraction
	significant := strings.TrimRight(all, "0")
	if strings.Trim(significant, "0") == "" {
		return true // 0, 0.0, 0e-400
	}
	// The value is significant's digits times 10 to the power of
	// e - len(fraction) + its trailing zeros: whole when that is 0 or more.
	e := 0
	if exp != "" {
		n, err := strconv.Atoi(exp)
		if err != nil {
			return !strings.HasPrefix(exp, "-") // an exponent past int's range
		}
		e = n
	}
	return e >= len(fraction)-(len(all)-len(significant))
}

// MaxIntegerDigits bounds the digits of a whole number Exact
// writes out: 20, uint64's, which bounds every integer type's range.
const MaxIntegerDigits = 20

// Exact returns literal, a JSON number that Whole says is
// whole, as the decimal digits of its value, exact however it is written
// (9007199254740993.0, 9.007199254740993e15 and 90071992547409930e-1 are
// 9007199254740993, which a float64 rounds to 9007199254740992); false when
// the value has more than MaxIntegerDigits digits, past every integer
// type's range, which it never writes out (1e1000000).
func Exact(literal string) (string, bool) {
	neg := strings.HasPrefix(literal, "-")
	mantissa, exp, _ := strings.Cut(strings.ToLower(strings.TrimPrefix(literal, "-")), "e")
	integer, fraction, _ := strings.Cut(mantissa, ".")
	digits := strings.TrimLeft(integer+fraction, "0")
	if strings.Trim(digits, "0") == "" {
		return "0", true
	}
	shift := -len(fraction)
	if exp != "" {
		e, err := strconv.Atoi(exp)
		if err != nil || e > MaxIntegerDigits || e < -len(digits)-len(fraction) {
			return "", false // past int's range: a whole value past every type's
		}
		shift += e
	}
	if len(digits)+shift > MaxIntegerDigits {
		return "", false
	}
	if shift >= 0 {
		digits += strings.Repeat("0", shift)
	} else {
		digits = digits[:len(digits)+shift] // zeros, the value being whole
	}
	if neg {
		return "-" + digits, true
	}
	return digits, true
}
