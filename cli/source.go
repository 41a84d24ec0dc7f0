package cli

import "strings"

// source is where the user gave a setting, in the one form every message
// names it: its flag ("--phase"), its environment variable ("env
// INJECTKIT_PHASE") or its config file's line ("config file c.yaml:2"),
// as origins records it; nobody, for a default.
type source struct {
	key  string // the setting's config key: phase, backend_url
	from string // as origins records it; "" or "default" for nobody
}

// source returns where key was given.
func (o *origins) source(key string) source { return source{key: key, from: o.from[key]} }

// itemSource is source for one item of a list key: the line of that item
// when the list has lines of its own.
func (o *origins) itemSource(key, item string) source {
	if from, ok := o.items[key][item]; ok {
		return source{key: key, from: from}
	}
	return o.source(key)
}

// given reports whether the user gave the setting.
func (s source) given() bool { return s.from != "" && s.from != "default" }

// where is at in parentheses after a space, " (env INJECTKIT_PHASE)",
// for an error to name where a value came from: "" when nobody gave it.
func (s source) where() string {
	if !s.given() {
		return ""
	}
	return " (" + s.from + ")"
}

// flag reports whether the user gave it with a flag.
func (s source) flag() bool { return strings.HasPrefix(s.from, "-") }

// at is where it was given ("--phase", "env INJECTKIT_PHASE", "config
// file c.yaml:2"): its flag when nobody did.
func (s source) at() string {
	if !s.given() {
		return "--" + strings.ReplaceAll(s.key, "_", "-")
	}
	return s.from
}

// named names the setting as the user gave it: at, and the key before a
// config file's line, which does not name it ("phase (config file
// c.yaml:2)").
func (s source) named() string {
	if s.given() && !s.flag() && !strings.HasPrefix(s.from, "env ") {
		return s.key + " (" + s.from + ")"
	}
	return s.at()
}

// drop says how to stop giving it: drop --target, unset INJECTKIT_TARGET,
// remove it from config file c.yaml:1.
func (s source) drop() string {
	from := s.at()
	if env, ok := strings.CutPrefix(from, "env "); ok {
		return "unset " + env
	}
	if strings.HasPrefix(from, "config file ") {
		return "remove it from " + from
	}
	return "drop " + from
}
