package scalar

import (
	"errors"
	"fmt"
)

// ErrRoundsToZero refuses a duration that is not 0 but rounds to 0s
// ("1e-10", "0.1ns", "1e-400"): framework.ParseDuration's error, which it
// exports as framework.ErrRoundsToZero. It gives no advice: what to write
// instead depends on what 0 does to the setting (ZeroAdvice).
var ErrRoundsToZero = errors.New("rounds to 0s: the shortest duration is 1ns")

// ZeroAdvice returns err, an error of framework.ParseDuration, with what
// to write instead of a duration that rounds to 0s, one rule for every
// duration a user gives (a param by framework, a request's field by
// package runtime, a setting of the host by package cli): where 0 is
// taken, as none (no delay, no wait), "write 0 for none"; where 0 is
// refused, "leave <what> out for the default", what naming the setting as
// the user gives it ("the field"); "" gives no advice (a required param
// has no default). Any other error is returned as it is.
func ZeroAdvice(err error, zeroTaken bool, what string) error {
	switch {
	case !errors.Is(err, ErrRoundsToZero):
		return err
	case zeroTaken:
		return fmt.Errorf("%w (write 0 for none)", err)
	case what != "":
		return fmt.Errorf("%w (leave %s out for the default)", err, what)
	}
	return err
}
