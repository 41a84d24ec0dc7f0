package cli

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// The layers a setting is read from (see decodeFields): the command line,
// the environment and the config file, each as raw text.

// raw is a setting's text as one layer gives it: one value for a scalar,
// any number for a list, and where it came from.
type raw struct {
	vals []string
	seq  bool // a YAML sequence
	from string
	// itemFrom says where each of vals was written, when that is not from
	// (the line of each item of a YAML list); nil otherwise.
	itemFrom []string
	// hidden are the items of a pairs setting a higher layer's of the
	// same key replaced (mergedPairs), hiddenFrom where each was written.
	hidden, hiddenFrom []string
}

// setFlags returns the names (first name) of the command's flags that the
// command line or the environment set. It asks urfave/cli once: its IsSet,
// per flag, scans every flag of the command, which is quadratic.
func setFlags(c *ucli.Context) map[string]bool {
	local := map[string]bool{}
	for _, n := range c.LocalFlagNames() {
		local[n] = true
	}
	set := map[string]bool{}
	if c.Command == nil {
		return local
	}
	for _, f := range c.Command.Flags {
		names := f.Names()
		if slices.ContainsFunc(names, func(n string) bool { return local[n] }) {
			set[names[0]] = true
		}
	}
	return set
}

func fromFlag(c *ucli.Context, set map[string]bool, f field) (raw, bool) {
	if !set[f.flag()] {
		return raw{}, false
	}
	r := raw{from: "--" + f.flag()}
	switch {
	case f.list():
		rep, ok := c.Generic(f.flag()).(*repeated)
		if !ok {
			return raw{}, false
		}
		r.vals = rep.values
	case f.isBool():
		r.vals = []string{strconv.FormatBool(c.Bool(f.flag()))}
	default:
		r.vals = []string{c.String(f.flag())}
	}
	return r, true
}

func fromEnv(getenv func(string) string, f field) (raw, bool) {
	v := getenv(f.env())
	if v == "" {
		return raw{}, false
	}
	r := raw{vals: []string{v}, from: "env " + f.env()}
	switch {
	case f.pairs:
		r.vals = splitParams(v)
	case f.list() && !f.whole:
		r.vals = strings.Split(v, ",")
	}
	return r, true
}

// checkShadowed refuses a value of f that a higher layer hides (layers,
// highest first: INJECTKIT_TIMEOUT=abc under --timeout 1m, a config
// file's typo under an environment variable) as it refuses the value
// read, naming where it was written: it is read the day the higher one
// goes, and a setting checked only then fails far from where it was
// written. A pairs setting (param) merges its layers key by key
// (mergedPairs): each item is read.
func (f field) checkShadowed(layers []raw) error {
	if f.pairs || len(layers) < 2 {
		return nil
	}
	f.required = false // a value given blank hides those below it: the one read is required, not these
	for _, r := range layers[1:] {
		r, err := f.splitCommas(r)
		if err == nil {
			err = f.decode(reflect.New(f.typ).Elem(), r, true)
		}
		if err == nil && f.key == "expectation" {
			err = checkExpectations(r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// mergedPairs merges the layers (highest first) of a pairs setting key by
// key: a key a higher layer gives replaces that key only, in its place, so
// --param timing=4 keeps the config file's ports=18080. A key a layer gives
// twice is kept twice, for the run to refuse (addParams). Every pair keeps where it was written (itemFrom), for the
// errors found after decoding.
func (f field) mergedPairs(layers []raw) (raw, error) {
	out := raw{from: layers[0].from}
	at := map[string]int{} // a key's index in out.vals
	for _, l := range slices.Backward(layers) {
		seen := map[string]bool{}
		for i, s := range l.vals {
			if !strings.HasPrefix(l.from, "--") && !blankKey(s) {
				// The environment's and the config file's items lose the
				// white space around them whole, as any list's do
				// (ports=22 from 'ports=22 '): an environment file's
				// trailing spaces are no part of a value. A flag's value
				// is kept as written (item), as is a pair whose key is
				// white space alone, refused quoting what was written.
				s = strings.TrimSpace(s)
			}
			if s = f.item(s); strings.TrimSpace(s) == "" {
				if f.blank != "" {
					return raw{}, f.blankItem(l, i)
				}
				continue
			}
			from := l.from
			if i < len(l.itemFrom) {
				from = l.itemFrom[i]
			}
			// A key a layer gives twice is kept twice: which of two values
			// was meant is not for injectkit to guess, and the run refuses
			// the second as it refuses any other param (addParams).
			k, _, _ := strings.Cut(s, "=")
			if j, ok := at[k]; ok && !seen[k] {
				seen[k] = true
				out.hidden, out.hiddenFrom = append(out.hidden, out.vals[j]), append(out.hiddenFrom, out.itemFrom[j])
				out.vals[j], out.itemFrom[j] = s, from
				continue
			}
			if !seen[k] {
				at[k] = len(out.vals)
			}
			seen[k] = true
			out.vals, out.itemFrom = append(out.vals, s), append(out.itemFrom, from)
		}
	}
	return out, nil
}

// splitCommas splits each value of r, of a list whose flag and config file
// items may each name several, comma-separated (--injectors nmap,query),
// into its items, each kept where its value was written. The environment's
// value is split already (fromEnv). A blank item of a value naming several
// is refused naming which (item 2 of "nmap,"), as the environment's are.
func (f field) splitCommas(r raw) (raw, error) {
	if !f.commas || strings.HasPrefix(r.from, "env ") {
		return r, nil
	}
	out := raw{vals: []string{}, seq: r.seq, from: r.from}
	for i, v := range r.vals {
		at := raw{from: r.from}
		if i < len(r.itemFrom) {
			at.from = r.itemFrom[i]
		}
		items := strings.Split(v, ",")
		for j, item := range items {
			if len(items) > 1 && strings.TrimSpace(item) == "" && f.blank != "" {
				return raw{}, f.invalidItem(at, item, fmt.Errorf("must not be blank: %s (item %d of %q)", f.blank, j+1, v))
			}
			out.vals = append(out.vals, item)
			if r.itemFrom != nil {
				out.itemFrom = append(out.itemFrom, at.from)
			}
		}
	}
	return out, nil
}
