package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The usage errors of a setting's value, as decodeFields finds them: the
// key (or the flag that gave a list item), the value unless secret, and
// where it was given.

// blankItem is the usage error of item i of r, blank, in a list none of
// whose items may be: each is a value of its own (a target, a query, an
// expectation), given blank, not left out.
func (f field) blankItem(r raw, i int) error {
	at, reason := r, "must not be blank: "+f.blank
	if i < len(r.itemFrom) {
		at.from = r.itemFrom[i]
	}
	if len(r.vals) > 1 && strings.HasPrefix(r.from, "env ") {
		// An environment variable split on its commas: which item.
		reason += fmt.Sprintf(" (item %d of %q)", i+1, strings.Join(r.vals, ","))
	}
	return f.invalidItem(at, r.vals[i], errors.New(reason))
}

// invalid is the usage error of a bad value: the key, the value (unless
// secret) and where it came from.
func (f field) invalid(r raw, text string, reason error) error {
	val := strconv.Quote(text)
	if f.secret && text != "" {
		val = "(secret)"
	}
	where := ""
	if r.from != "" && r.from != "default" {
		where = " (" + r.from + ")"
	}
	return usageErr("invalid %s %s%s: %w", f.key, val, where, reason)
}

// invalidItem is the usage error of a list item refused at r, in the form
// of the other errors of its source about that list's values (see
// nameAt): named as the flag when the flag gave it (invalid --target "":
// …), else by its key, then where (invalid target "" (env
// INJECTKIT_TARGET): …).
func (f field) invalidItem(r raw, text string, reason error) error {
	if flag := "--" + f.flag(); r.from == flag {
		return usageErr("invalid %s %q: %w", flag, text, reason)
	}
	return f.invalid(r, text, reason)
}
