package query

import (
	"errors"
	"fmt"
	"unicode"

	"github.com/injectkit/injectkit/framework"
)

// Spent query credits. Shodan charges a query credit for a search whose
// query uses a filter, and for each page past the first
// (help.shodan.io/the-basics/credit-types-explained); once they are spent
// it refuses each such search ("Insufficient query credits, …", as a 401:
// ErrNoQueryCredits) until the month's reset, while a first page without
// a filter stays free. So once a configuration's search is refused for
// spent credits, a later configuration whose query uses a filter (every
// one narrowed to its target) is not sent: Shodan would refuse it alike,
// after the run's pause between requests.

// creditsSpent says why no later query costing a credit is sent once r,
// configuration i's, was refused for spent credits; "" when it was not.
func creditsSpent(i int, r ConfigResult) string {
	if r.creditsOut == 0 {
		return ""
	}
	return fmt.Sprintf("Shodan's query credits ran out on targets[%d] (HTTP %d)", i, r.creditsOut)
}

// creditsStatus is the HTTP status of err when it is the engine saying
// the key's query credits are spent, 0 when it is not.
func creditsStatus(err error) int {
	ae, ok := errors.AsType[*APIError](err)
	if !ok || !errors.Is(err, ErrNoQueryCredits) {
		return 0
	}
	return max(ae.StatusCode, 1)
}

// costsCredit reports whether the first page of t's query costs a query
// credit: t is an external configuration whose query, narrowed to its
// target (composeQuery), uses a filter. One that is not external sends
// nothing anyway (runOne).
func costsCredit(t framework.Target) bool {
	c, ok := t.External()
	return ok && usesFilter(composeQuery(c))
}

// usesFilter reports whether query holds a filter as Shodan reads one: a
// term (white space apart, a double-quoted run kept whole) with a name
// before a colon outside quotes (port:22, -port:22, product:"Apache
// httpd"); a quoted phrase holding a colon ("Server: nginx") is none.
func usesFilter(query string) bool {
	quoted, named := false, false
	for _, r := range query {
		switch {
		case r == '"':
			quoted = !quoted
			named = false
		case unicode.IsSpace(r) && !quoted:
			named = false
		case r == ':' && !quoted && named:
			return true
		case !quoted:
			named = true
		}
	}
	return false
}
