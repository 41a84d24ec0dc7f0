package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/signatures"
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
	switch {
	case len(r.vals) > 1 && strings.HasPrefix(r.from, "env "):
		// An environment variable split on its commas: which item.
		reason += fmt.Sprintf(" (item %d of %q)", i+1, strings.Join(r.vals, ","))
	case len(r.vals) > 1 && strings.HasPrefix(at.from, "config file "):
		// A config file's list, whose items may share its line
		// ([nmap, ""]): which item.
		quoted := make([]string, len(r.vals))
		for j, v := range r.vals {
			quoted[j] = strconv.Quote(v)
		}
		reason += fmt.Sprintf(" (item %d of [%s])", i+1, strings.Join(quoted, ", "))
	}
	return f.invalidItem(at, r.vals[i], errors.New(reason))
}

// invalid is the usage error of a bad value: the key, the value (unless
// secret: white space alone, no secret, is quoted as written) and where it
// came from.
func (f field) invalid(r raw, text string, reason error) error {
	val := strconv.Quote(text)
	if f.secret && strings.TrimSpace(text) != "" {
		val = "(secret)"
	}
	where := ""
	if r.from != "" && r.from != "default" {
		where = " (" + r.from + ")"
	}
	return usageErr("invalid %s %s%s: %w", f.key, val, where, reason)
}

// refused is the usage error of the value at r, refused for its shape (a
// list given to a key that takes one value): the key and where, the value
// not quoted.
func (f field) refused(r raw, reason error) error {
	where := ""
	if r.from != "" && r.from != "default" {
		where = " (" + r.from + ")"
	}
	return usageErr("invalid %s%s: %w", f.key, where, reason)
}

// invalidItem is the usage error of a list item refused at r, in the form
// of the other errors about that list's values: an inject field's (see
// nameAt) named as the flag when the flag gave it (invalid --target "":
// …), else by its key, then where (invalid target "" (env
// INJECTKIT_TARGET): …); any other's by its key, then where, as every
// other setting's (invalid injectors "" (--injectors): …).
func (f field) invalidItem(r raw, text string, reason error) error {
	if flag := "--" + f.flag(); r.from == flag && f.inject {
		return usageErr("invalid %s %q: %w", flag, text, reason)
	}
	return f.invalid(r, text, reason)
}

// messageConflict is the usage error of field f of the inject, set to
// value (a list's first item), given beside --openaev-message, which takes
// the inject from its message: the setting as the user gave it (its value
// and where) and how to drop it there. A target that does not read as one
// is not shown (a line of a file given by mistake); a URL is masked.
func (c *runConfig) messageConflict(f field, value string) error {
	src := c.source(f.key)
	if f.list() {
		src = c.itemSource(f.key, value)
	}
	shown := fmt.Sprintf("%q", signatures.Shorten(shownSetting(value), signatures.MaxQuoted))
	switch k, v, ok := strings.Cut(value, "="); {
	case f.key == "target" && !signatures.ReadsAsTarget(value):
		shown = "(not shown)"
	case f.pairs && ok:
		shown = fmt.Sprintf("%q", signatures.Shorten(k+"="+shownSetting(v), signatures.MaxQuoted))
	}
	return usageErr("invalid %s %s%s: %s takes the inject from the message; %s",
		f.key, shown, src.where(), c.source("openaev_message").named(), src.drop())
}
