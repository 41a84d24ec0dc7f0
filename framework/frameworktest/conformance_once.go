package frameworktest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// Conformance reports each root cause once: a newcomer handed the same
// refusal by every group that runs Execute, or the same panic's stack
// three times, read several defects where there is one (tester t157).

// liveGroups names the groups that run Execute.
const liveGroups = "cancelled context, cancelled while running and live inject"

// liveParams reports whether the live injects' params, the defaults with
// Options.Params over them, decode as the runtime decodes them
// (framework.DecodeParams). When they do not, the groups that run Execute
// are skipped, since the runtime would run no inject with them: with one
// logged line when the params group has reported why (paramsRefused),
// else with one failure saying why.
func (c *checker) liveParams(t testing.TB) bool {
	t.Helper()
	_, err := framework.DecodeParams(c.ex, c.o.Params)
	if err == nil {
		return true
	}
	what, hint := "the default params are", defaultsHint(err)
	if len(c.o.Params) > 0 {
		what, hint = "Options.Params ("+paramNames(c.o.Params)+") are", requiredHint(err)
	}
	if c.paramsRefused {
		t.Logf("%s skipped: %s refused, see params above: the runtime would run no inject with them", liveGroups, what)
		return false
	}
	t.Errorf("%s rejected: %v%s (%s skipped: the runtime would run no inject with them)", what, err, hint, liveGroups)
	return false
}

// panicSeen is a panic of Execute already reported with its stack.
type panicSeen struct {
	value string // the panic's value, as printed
	site  string // the function that panicked and its line (panicSite)
	what  string // the check that reported it
}

// checkOutput reports a panic (reportPanic) or an invalid output.
func (c *checker) checkOutput(t testing.TB, what string, r result) {
	t.Helper()
	if r.panic != nil {
		c.reportPanic(t, what, r)
		return
	}
	if err := r.out.Validate(); err != nil {
		t.Errorf("invalid output on %s: %v", what, err)
	}
}

// reportPanic fails t with Execute's panic, its stack printed the first
// time only: a later check's panic of the same value at the same place
// says it panics as above.
func (c *checker) reportPanic(t testing.TB, what string, r result) {
	t.Helper()
	seen := panicSeen{value: fmt.Sprint(r.panic), site: panicSite(r.stack), what: what}
	for _, p := range c.panicked {
		if p.value == seen.value && p.site == seen.site {
			t.Errorf("Execute panicked on %s: %s: panics as above (on %s; the stack is printed there)", what, seen.value, p.what)
			return
		}
	}
	c.panicked = append(c.panicked, seen)
	t.Errorf("Execute panicked on %s: %v (%s)\n%s", what, r.panic, panicAdvice, r.stack)
}

// panicSite returns, from a debug.Stack taken in a deferred recover, the
// first frame below the panic outside package runtime (a nil dereference
// panics through runtime.sigpanic): its function and file:line, without
// the frame's offset.
func panicSite(stack []byte) string {
	lines := strings.Split(string(stack), "\n")
	below := false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "panic("):
			below = true
		case below && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "runtime.") && i+1 < len(lines):
			file, _, _ := strings.Cut(strings.TrimSpace(lines[i+1]), " +0x")
			fn := l // its arguments, pointers among them, differ from call to call
			if i := strings.LastIndex(l, "("); i > 0 {
				fn = l[:i]
			}
			return fn + " " + file
		}
	}
	return ""
}
