package runtime

import (
	"fmt"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// partTargets is the fewest targets a part of their own is given (see
// partsOf): below it, a goroutine costs more than it saves.
const partTargets = 16 << 10

// partsOf returns how many parts n targets are checked in: one a core,
// each of partTargets or more.
func partsOf(n int) int {
	return max(1, min(goruntime.GOMAXPROCS(0), n/partTargets))
}

// checkParts calls check on each index of [lo, hi), cut into parts
// consecutive parts, numbered from 0, each in a goroutine of its own
// (one part: in the caller's). It returns the error of the first part
// that failed, or panics with its panic (a *partPanic, which keeps the
// part's stack), in the caller's goroutine: each part stops at its first
// error or panic, and once an earlier part has failed (its outcome wins
// whatever a later one finds), so that is the outcome of the first bad
// index, as a check in order would have it.
func checkParts(lo, hi, parts int, check func(part, i int) error) error {
	if parts == 1 {
		for i := lo; i < hi; i++ {
			if err := check(0, i); err != nil {
				return err
			}
		}
		return nil
	}
	errs, panics := make([]error, parts), make([]any, parts)
	var failed atomic.Int64 // the lowest part that failed; parts: none
	failed.Store(int64(parts))
	fail := func(k int64) {
		for f := failed.Load(); k < f && !failed.CompareAndSwap(f, k); f = failed.Load() {
		}
	}
	var wg sync.WaitGroup
	for k := range parts {
		a, b := lo+(hi-lo)*k/parts, lo+(hi-lo)*(k+1)/parts
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					panics[k] = &partPanic{value: v, stack: debug.Stack()}
					fail(int64(k))
				}
			}()
			for i := a; i < b && failed.Load() > int64(k); i++ {
				if err := check(k, i); err != nil {
					errs[k] = err
					fail(int64(k))
					return
				}
			}
		})
	}
	wg.Wait()
	for k, err := range errs {
		if panics[k] != nil {
			panic(panics[k])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// partPanic is a panic of a part of checkParts, re-raised in the caller's
// goroutine, whose stack starts at checkParts: it holds the value and the
// part's stack at the panic, which names the method that panicked. Its
// message is the value's (and its Unwrap the value, when an error); %+v
// adds the stack, which zap logs as the field <key>Verbose of a panic
// logged with zap.Any, as serve's handler logs one.
type partPanic struct {
	value any
	stack []byte
}

func (p *partPanic) Error() string { return fmt.Sprint(p.value) }

func (p *partPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

// Format writes the message, and with %+v the part's stack after it.
func (p *partPanic) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('+') {
		fmt.Fprintf(f, "%v\n\npanicked in a part of the targets' check:\n%s", p.value, p.stack)
		return
	}
	fmt.Fprint(f, p.Error())
}
