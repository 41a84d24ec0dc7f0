package cli

import (
	"path/filepath"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/outbox"
)

// outboxPath returns the outbox file the configuration names, "" for none:
// --outbox, else $XDG_STATE_HOME/<name>/outbox.db, else
// $HOME/.local/state/<name>/outbox.db, name being the binary's
// (Options.Name): a third-party binary never shares injectkit's outbox,
// its bodies or its lock. A relative XDG_STATE_HOME is ignored, as the
// XDG spec says; a relative HOME (HOME=.) is refused, exit 2: the
// default outbox would move with each command's working directory.
func outboxPath(oc outboxConfig, o Options) (string, error) { return outboxPathOf(oc, o, true) }

// outboxPathOf is outboxPath; none says whether the command may be given
// --outbox none (run, serve), which its refusals then offer: the outbox
// commands refuse none (no outbox to work on).
func outboxPathOf(oc outboxConfig, o Options, none bool) (string, error) {
	orNone, setNone := "", ""
	if none {
		orNone, setNone = " (or --outbox none to keep no outbox)", ", or --outbox none to keep no outbox"
	}
	switch p := oc.Path; p {
	case noOutbox:
		return "", nil
	case "":
	default:
		return p, nil
	}
	if v, dir := defaultOutboxVar(o); v != "" {
		if reason := garblingInPath(dir); reason != "" {
			return "", usageErr("invalid %s %q (environment, the default outbox's directory): %s", v, dir, reason)
		}
		if !filepath.IsAbs(dir) {
			// HOME=. would put the outbox under each command's working
			// directory: a flush run elsewhere would not find its bodies.
			return "", usageErr("invalid HOME %q (environment, the default outbox's directory): not an absolute path, "+
				"so the outbox would move with the working directory: set HOME to an absolute path, or give --outbox%s", dir, orNone)
		}
		p := filepath.Join(dir, o.name(), "outbox.db")
		if v == "HOME" {
			p = filepath.Join(dir, ".local", "state", o.name(), "outbox.db")
		}
		// Checked as a path given is (config_decode.go): what it names,
		// said with the variable it is under.
		if err := outbox.CheckFile(p); err != nil {
			return "", usageErr("invalid outbox %q%s: %w: give an outbox file's path (--outbox)%s", p, defaultUnder(v, dir), err, orNone)
		}
		return p, nil
	}
	return "", usageErr("invalid outbox \"\": no default without XDG_STATE_HOME or HOME (set --outbox%s)", setNone)
}

// defaultOutboxVar returns the variable the default outbox is under
// (XDG_STATE_HOME, when set to an absolute path, else HOME) and its value;
// "" when neither is set.
func defaultOutboxVar(o Options) (v, dir string) {
	for _, v := range []string{"XDG_STATE_HOME", "HOME"} {
		dir := o.Getenv(v)
		if dir == "" || v == "XDG_STATE_HOME" && !filepath.IsAbs(dir) {
			continue
		}
		return v, dir
	}
	return "", ""
}

// defaultUnder says where a default outbox came from, after its path:
// " (the default, under XDG_STATE_HOME=/srv/state)".
func defaultUnder(v, dir string) string { return " (the default, under " + v + "=" + dir + ")" }

// garblingInPath says why an outbox's path cannot be printed as it is
// (signatures.Garbling: a control or format character, a line or
// paragraph separator, a byte that is not UTF-8; any space passes), ""
// when it can: such a path is refused (exit 2), never created nor
// printed raw, where it would forge, break or hide a line of the output
// ("stored in outbox …", the flush hint, outbox list's header).
func garblingInPath(p string) string {
	if reason := signatures.Garbling(p); reason != "" {
		return reason + "; give a path without one"
	}
	return ""
}
