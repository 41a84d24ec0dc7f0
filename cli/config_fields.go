package cli

import (
	"cmp"
	"encoding"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	ucli "github.com/urfave/cli/v2"
)

// A setting is declared once, as a field of a config struct (config.go).
// Its tags give everything else:
//
//	config:"key[,option…]"  the config-file key; the flag is --key with '-'
//	                        for '_', the environment variable INJECTKIT_KEY
//	default:"…"             the default, as text
//	usage:"…"               the flag's help
//
// In a default or a help, {name} (nameVar) stands for Options.Name.
//	enum:"a|b"              the only values allowed
//	blank:"…"               a list none of whose items may be blank, and
//	                        why (an item given empty is refused, never
//	                        dropped as if it had not been given)
//
// Options: secret (its value is never echoed in an error), required (it
// must not be empty), positive (a number or a duration above zero), url (a
// base URL a client posts to, httpx.ParseBaseURL's rule, echoed without
// user information), pairs (a list of key=value: its environment form
// splits only on the commas that start a pair), whole (a list whose
// environment variable is one value, commas included: an exposure query),
// inject (a field of the inject itself, which --openaev-message takes from
// its message instead), commas (a list each flag or file item of which may
// name several, comma-separated: --injectors nmap,query), nonblank (a
// string refused when given blank, as an enum is: --phase '' is a slip,
// not the default), none (run's and serve's outbox, which none keeps
// away: the outbox commands have a file to work on), once (see onceGiven).
//
// Field types: string; []string, a repeatable flag, comma-separated in the
// environment, a YAML scalar or list in the file; bool; int; int64;
// time.Duration (a bare number is seconds); or a type whose pointer is an
// encoding.TextUnmarshaler. A struct field without a config tag
// contributes its own fields.

// blankPath is why a file's path of white space alone is refused.
const blankPath = "must not be blank: give a file's path"

// tildePath is why a path setting starting with ~ is refused: only a
// shell expands it, and none read it where it was given.
const tildePath = "a leading ~ is not expanded here (only a shell expands it): write the home directory's absolute path (a file whose name starts with ~ as ./~name); a relative path is the working directory's"

// blankDuration is the refusal of a blank duration.
const blankDuration = "must not be blank: give a duration (30s, 5m, or 300 for seconds), or leave it out for the default"

// Meta settings, not in the config structs: where the config file is.
const (
	envPrefix  = "INJECTKIT_"
	configFlag = "config"
	configEnv  = envPrefix + "CONFIG"
)

var (
	stringsType     = reflect.TypeFor[[]string]()
	durationType    = reflect.TypeFor[time.Duration]()
	unmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// field is one setting of a config struct.
type field struct {
	key, usage, def, blank                                                              string
	enum                                                                                []string
	secret, required, positive, url, pairs, inject, whole, commas, nonblank, none, once bool
	index                                                                               []int // reflect.Value.FieldByIndex
	typ                                                                                 reflect.Type
}

// nameVar is the binary's name: a third-party one keeps its own outbox.
const nameVar = "{name}"

// named returns f with nameVar replaced by name in its default and help.
func (f field) named(name string) field {
	f.def = strings.ReplaceAll(f.def, nameVar, name)
	f.usage = strings.ReplaceAll(f.usage, nameVar, name)
	return f
}

func (f field) flag() string { return strings.ReplaceAll(f.key, "_", "-") }
func (f field) env() string  { return envPrefix + strings.ToUpper(f.key) }
func (f field) list() bool   { return f.typ == stringsType }
func (f field) isBool() bool { return f.typ.Kind() == reflect.Bool }
func (f field) text() bool   { return reflect.PointerTo(f.typ).Implements(unmarshalerType) }

// path reports a setting whose value is a file's path: shell completion
// offers file names for it.
func (f field) path() bool {
	return strings.HasSuffix(f.key, "_file") || f.key == "outbox" || f.key == "openaev_message"
}

// sources names where f is given; a secret's the environment first and its
// flag last, whose value shows in ps to every local user.
func (f field) sources() string {
	if f.secret {
		return fmt.Sprintf("%s, the config file's %s or --%s", f.env(), f.key, f.flag())
	}
	return fmt.Sprintf("--%s, %s or %s in the config file", f.flag(), f.env(), f.key)
}

// settingsOf holds each config struct type's settings once fieldsOf has
// worked them out (reflect.Type → []field): a run asks for the same few
// types again and again (every command's flags as the application is
// built, then decoding and checking the command run), and a type's
// settings never change.
var settingsOf sync.Map

// fieldsOf returns the settings of config struct type t, in declaration
// order, worked out once per type (settingsOf). The slice is shared: its
// callers read it and copy a field to change it (named), never write it.
// A malformed declaration is a programming error: it panics (the tests
// build every command).
func fieldsOf(t reflect.Type) []field {
	if fs, ok := settingsOf.Load(t); ok {
		return fs.([]field)
	}
	fs, _ := settingsOf.LoadOrStore(t, slices.Clip(walkSettings(t)))
	return fs.([]field)
}

// walkSettings works out the settings of config struct type t (fieldsOf).
func walkSettings(t reflect.Type) []field {
	out := make([]field, 0, settingCount(t))
	walkFields(t, nil, &out)
	for i, f := range out {
		if slices.ContainsFunc(out[:i], func(g field) bool { return g.key == f.key }) {
			panic(fmt.Sprintf("cli: %s declares the key %q twice", t, f.key))
		}
	}
	return out
}

// settingCount is at least the number of settings walkFields finds in t:
// fieldsOf's room for them, allocated once.
func settingCount(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		sf := t.Field(i)
		if _, tagged := sf.Tag.Lookup("config"); !tagged && sf.Type.Kind() == reflect.Struct {
			n += settingCount(sf.Type)
			continue
		}
		n++
	}
	return n
}

func walkFields(t reflect.Type, index []int, out *[]field) {
	for i := range t.NumField() {
		sf := t.Field(i)
		idx := append(slices.Clone(index), i)
		st := readSettingTag(sf.Tag)
		tag, tagged := st.lookup(tagConfig)
		switch {
		case !sf.IsExported():
			continue
		case !tagged && sf.Type.Kind() == reflect.Struct:
			walkFields(sf.Type, idx, out)
			continue
		case !tagged || tag == "":
			panic(fmt.Sprintf("cli: %s.%s has no config key", t, sf.Name))
		}
		key, opts, _ := strings.Cut(tag, ",")
		f := field{key: key, usage: st.get(tagUsage), def: st.get(tagDefault), blank: st.get(tagBlank), index: idx, typ: sf.Type}
		if e := st.get(tagEnum); e != "" {
			f.enum = strings.Split(e, "|")
		}
		for o := range strings.SplitSeq(opts, ",") {
			if flag := f.option(o); flag != nil {
				*flag = true
			} else if o != "" {
				panic(fmt.Sprintf("cli: %s.%s: unknown config option %q", t, sf.Name, o))
			}
		}
		if f.blank != "" && !f.list() {
			panic(fmt.Sprintf("cli: %s.%s: blank is for a list", t, sf.Name))
		}
		switch {
		case f.text(), f.list():
		default:
			switch sf.Type.Kind() {
			case reflect.String, reflect.Bool, reflect.Int, reflect.Int64:
			default:
				panic(fmt.Sprintf("cli: %s.%s: unsupported setting type %s", t, sf.Name, sf.Type))
			}
		}
		*out = append(*out, f)
	}
}

// option returns the flag of f that config option o sets, nil for no
// option of that name.
func (f *field) option(o string) *bool {
	switch o {
	case "secret":
		return &f.secret
	case "required":
		return &f.required
	case "positive":
		return &f.positive
	case "url":
		return &f.url
	case "pairs":
		return &f.pairs
	case "inject":
		return &f.inject
	case "whole":
		return &f.whole
	case "commas":
		return &f.commas
	case "nonblank":
		return &f.nonblank
	case "none":
		return &f.none
	case "once":
		return &f.once
	}
	return nil
}

// flagsOf returns --config and the flags of config struct type t of the
// binary called name. usage replaces the help text of the keys it names;
// each still ends with its environment variable.
func flagsOf(name string, t reflect.Type, usage map[string]string) []ucli.Flag {
	flags := []ucli.Flag{&ucli.GenericFlag{Name: configFlag, Usage: "YAML config file, given once (env " + configEnv + ")",
		TakesFile: true, Value: &configPath{}}}
	for _, f := range fieldsOf(t) {
		f = f.named(name)
		u, ok := usage[f.key]
		if !ok {
			u = f.usage
		}
		u += " (env " + f.env() + ")"
		switch {
		case f.list():
			flags = append(flags, &ucli.GenericFlag{Name: f.flag(), Usage: u, Value: &repeated{}})
		case f.isBool():
			flags = append(flags, &ucli.BoolFlag{Name: f.flag(), Usage: u})
		case f.once:
			flags = append(flags, &ucli.GenericFlag{Name: f.flag(), Usage: u, DefaultText: f.def, TakesFile: f.path(), Value: &once{}})
		default:
			flags = append(flags, &ucli.StringFlag{Name: f.flag(), Usage: u, DefaultText: f.def, TakesFile: f.path()})
		}
	}
	return flags
}

// configPath is the value of --config: every path given, for loadConfig
// to refuse a second one (config files do not merge: a second --config
// would drop every setting of the first without a word).
type configPath struct{ paths []string }

func (p *configPath) Set(v string) error { p.paths = append(p.paths, v); return nil }

// String is the first path given: the only one, once checked.
func (p *configPath) String() string {
	if len(p.paths) == 0 {
		return ""
	}
	return p.paths[0]
}

// configGiven is the config file's path and where it was given: --config
// beats INJECTKIT_CONFIG, and an empty --config hides it (no config
// file), as a text setting given empty by a flag hides the sources below
// it.
func configGiven(c *ucli.Context, getenv func(string) string) (path, where string) {
	if p, ok := c.Generic(configFlag).(*configPath); ok && len(p.paths) > 0 {
		return trimmed(p.String()), " (--" + configFlag + ")"
	}
	return trimmed(getenv(configEnv)), " (env " + configEnv + ")"
}

// decodeFields fills dst, a pointer to a config struct of the binary
// called name, once: each field from the first layer that sets it, flag >
// environment > config file > default; a pairs field (param) from every layer, key by key (see
// mergedPairs). An invalid value is a usage error naming the key, the
// value and where it came from.
func decodeFields(dst any, c *ucli.Context, name string, getenv func(string) string, file map[string]raw) error {
	v := reflect.ValueOf(dst).Elem()
	set := setFlags(c)
	for _, f := range fieldsOf(v.Type()) {
		f = f.named(name)
		var layers []raw // highest first
		if r, ok := fromFlag(c, set, f); ok {
			layers = append(layers, r)
		}
		if r, ok := fromEnv(getenv, f); ok {
			layers = append(layers, r)
		}
		if r, ok := file[f.key]; ok {
			layers = append(layers, r)
		}
		var r raw
		ok := len(layers) > 0
		switch {
		case f.pairs && ok:
			var err error
			if r, err = f.mergedPairs(layers); err != nil {
				return err
			}
		case ok:
			var err error
			if r, err = f.splitCommas(layers[0]); err != nil {
				return err
			}
		}
		if !ok && f.def != "" {
			r, ok = raw{vals: []string{f.def}, from: "default"}, true
		}
		if err := cmp.Or(f.decode(v.FieldByIndex(f.index), r, ok), f.checkShadowed(layers)); err != nil {
			return err
		}
		if s, isSourced := dst.(sourced); isSourced && ok && f.secret {
			s.setSecretFrom(f.key, r.from)
		}
		if s, isSourced := dst.(sourced); isSourced && ok && !f.secret {
			// A secret is left out: no error may quote its value.
			s.setFrom(f.key, r.from)
			if f.pairs {
				// Item by item (mergedPairs): a pair's text may repeat
				// another's written elsewhere.
				s.setPairs(f.key, r)
			} else {
				for i, from := range r.itemFrom {
					s.setItemFrom(f.key, f.item(r.vals[i]), from)
				}
			}
			if !f.list() && len(r.vals) == 1 {
				s.setText(f.key, r.vals[0])
			}
		}
	}
	return nil
}

// sourced is a config that keeps where each key it holds was set ("--param",
// "env INJECTKIT_PARAM", "config file c.yaml", "default"), for the errors
// found after decoding: a param the injector refuses, a payload size the
// profile cannot hold.
type sourced interface {
	setFrom(key, from string)
	setItemFrom(key, item, from string) // where one item of a list was written
	setPairs(key string, r raw)         // where each item of a pairs list was written, in its order, and those hidden
	setText(key, text string)           // a scalar's value as written
	setSecretFrom(key, from string)     // where a secret was set: never in an error with its value
	setConfig(path string)              // the config file read
	setStrayEnv(names []string)         // the unknown variables of the environment to warn of
	setFileSecrets(secrets []string)    // the config file's secrets, as it was read (see redactGiven)
}

// keysOf returns the config keys of config struct types.
func keysOf(types ...reflect.Type) map[string]bool {
	return keysWhere(func(field) bool { return true }, types...)
}

// listKeysOf returns the keys of the fields of types that take a list.
func listKeysOf(types ...reflect.Type) map[string]bool {
	return keysWhere(field.list, types...)
}

// keysWhere returns the keys of the fields of types that match.
func keysWhere(match func(field) bool, types ...reflect.Type) map[string]bool {
	out := map[string]bool{}
	for _, t := range types {
		for _, f := range fieldsOf(t) {
			if match(f) {
				out[f.key] = true
			}
		}
	}
	return out
}

// injectFieldSet returns the first field of cfg marked inject that is set,
// and its value (a list's first item).
func injectFieldSet(cfg any) (field, string, bool) {
	v := reflect.ValueOf(cfg)
	for _, f := range fieldsOf(v.Type()) {
		switch fv := v.FieldByIndex(f.index); {
		case !f.inject || fv.IsZero():
		case f.list():
			return f, fv.Index(0).String(), true
		default:
			return f, fv.String(), true
		}
	}
	return field{}, "", false
}
