package cli

import (
	"fmt"
	"reflect"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// A flag that takes one value given twice takes the last (--timeout 1m
// --timeout 5m is 5m), but for one that says which inject runs (its id,
// its inject file, its targets file, its cloud account and provider, a
// platform message: config option once), given two different values
// (--targets-file a.txt --targets-file b.txt): which inject was meant is
// not for injectkit to guess, and the last alone would drop the first
// without a word (a.txt's targets never scanned, exit 0). It is refused,
// as a second --config is (files don't merge) and a param given twice is.

// once is the value of a flag that takes one value: every value the
// command line gave it, for onceGiven to refuse two different ones. Its
// String is the last, as a string flag's would be.
type once struct{ values []string }

func (o *once) Set(v string) error { o.values = append(o.values, v); return nil }

func (o *once) String() string {
	if len(o.values) == 0 {
		return ""
	}
	return o.values[len(o.values)-1]
}

// onceGiven refuses a flag of the config struct dst points to marked
// once that the command line gave two different values, naming
// the flag and both values (a secret's withheld). The same value given
// twice is one value, and passes.
func onceGiven(c *ucli.Context, name string, dst any) error {
	for _, f := range fieldsOf(reflect.TypeOf(dst).Elem()) {
		f = f.named(name)
		o, ok := c.Generic(f.flag()).(*once)
		if !ok || len(o.values) < 2 {
			continue
		}
		for _, v := range o.values[1:] {
			if v == o.values[0] {
				continue
			}
			if f.secret {
				return usageErr("--%s given twice, with two values (withheld: a secret): give it once", f.flag())
			}
			return usageErr("--%s given twice (%s, then %s): it takes one value; give it once", f.flag(), shownFlagValue(f, o.values[0]), shownFlagValue(f, v))
		}
	}
	return nil
}

// shownFlagValue quotes a value of a flag as an error shows it: Go-quoted
// and cut to signatures.MaxQuoted bytes (a pasted file is not echoed
// whole, a control character not obeyed by a terminal), a URL's password
// and query masked.
func shownFlagValue(f field, v string) string {
	if f.url {
		v = httpx.MaskURL(v)
	}
	return fmt.Sprintf("%q", signatures.Shorten(v, signatures.MaxQuoted))
}
