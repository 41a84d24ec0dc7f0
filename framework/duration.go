package framework

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/injectkit/injectkit/internal/scalar"
)

var errNotDuration = errors.New("not a duration (want one such as 30s or 1m30s, or a number of seconds)")

// maxDurationSeconds bounds a duration given in seconds.
const maxDurationSeconds = float64(math.MaxInt64 / int64(time.Second))

// ParseDuration reads a duration, a param's and a setting's of the host
// alike (--timeout): a Go duration ("30s", "1m30s") or a
// bare number of seconds, in decimal ("90", "2.5"; "1e400", past
// float64's range, is too long, as "1e300" is; not "0x1p4" nor "1_000",
// nor "010", octal or decimal as scalar.Integer refuses it). Negative durations are rejected,
// and so is a non-zero one that rounds to 0s ("1e-10", "0.1ns"), even
// below float64's smallest value ("1e-400", which parses to 0):
// ErrRoundsToZero.
// The error is a short reason, meant for a *signatures.ValidationError.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if !decimalNumber(s) {
		return goDuration(s)
	}
	if scalar.LeadingZero(strings.TrimPrefix(s, "+")) {
		// 010: 10 seconds, or 8? As for an integer (scalar.Integer).
		return 0, errDurationLeadingZero
	}
	secs, err := strconv.ParseFloat(s, 64)
	switch {
	case err == nil && secs == 0 && nonZeroMantissa(s):
		// Below float64's smallest value ("1e-400"): it parsed to 0.
		if strings.HasPrefix(s, "-") {
			return 0, errNegative
		}
		return 0, ErrRoundsToZero
	case err == nil:
		return secondsDuration(secs)
	case errors.Is(err, strconv.ErrRange) && secs < 0:
		return 0, errNegative // past float64's range ("-1e400"): -Inf
	case errors.Is(err, strconv.ErrRange):
		return 0, errTooLong // "1e400": +Inf, a number of seconds all the same
	}
	return goDuration(s)
}

// decimalNumber reports whether s is written as a number of seconds is
// documented: decimal digits, a point, an exponent and signs, which
// strconv.ParseFloat then reads or refuses ("90", "2.5", "1e1", "-5").
// ParseFloat alone reads more, which no JSON number holds and no doc
// shows: Go's hex floats ("0x1p4", 16s) and its digit separators
// ("1_000", 16m40s), so that --param delay=0x1p4 ran where the inject
// file's "delay": 0x1p4 is refused.
func decimalNumber(s string) bool {
	return strings.Trim(s, "0123456789.eE+-") == ""
}

// goDuration reads s as time.ParseDuration does ("30s", "1m30s").
func goDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil && durationSyntax().MatchString(s):
		return 0, errTooLong // well formed: only Go's range refuses it
	case err != nil:
		return 0, errNotDuration
	case d < 0:
		return 0, errNegative
	case d == 0 && strings.ContainsAny(s, "123456789"):
		return 0, ErrRoundsToZero
	}
	return d, nil
}

// durationSyntax matches what time.ParseDuration reads, its range aside.
// It is compiled on first use: only a duration time.ParseDuration refuses
// is matched against it.
var durationSyntax = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*$`)
})

// errDurationLeadingZero refuses a number of seconds written with a
// leading 0 (010, 00.5), as scalar.Integer refuses such an integer.
var errDurationLeadingZero = errors.New(scalar.LeadingZeroReason + ": write the number of seconds without it (10, 0.5)")

// errNegative refuses a duration below zero.
var errNegative = errors.New("negative duration")

var errTooLong = errors.New("too long: at most 2562047h (292 years)")

func secondsDuration(secs float64) (time.Duration, error) {
	switch {
	case math.IsNaN(secs) || math.IsInf(secs, 0):
		return 0, errNotDuration
	case secs < 0:
		return 0, errNegative
	case secs > maxDurationSeconds:
		return 0, errTooLong
	}
	d := time.Duration(secs * float64(time.Second))
	if d == 0 && secs > 0 {
		return 0, ErrRoundsToZero
	}
	return d, nil
}

// ErrRoundsToZero is ParseDuration's error for a duration that is not 0
// but rounds to 0s ("1e-10", "0.1ns", "1e-400"): errors.Is tells it apart.
// The command line and the runtime complete it with what to write
// instead, which depends on what 0 does to the value.
var ErrRoundsToZero = scalar.ErrRoundsToZero

// paramZeroAdvice is scalar.ZeroAdvice for a duration param whose default is def:
// a default of 0 is a param that takes 0 (noop's delay); a required one
// has no default to leave it out for.
func paramZeroAdvice(err error, def time.Duration, required bool) error {
	if required {
		return scalar.ZeroAdvice(err, false, "")
	}
	return scalar.ZeroAdvice(err, def == 0, "the param")
}

// nonZeroMantissa reports whether the decimal number s has a non-zero
// digit before its exponent: a number that is not 0 even when it parses
// to 0.
func nonZeroMantissa(s string) bool {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	return strings.ContainsAny(s, "123456789")
}
