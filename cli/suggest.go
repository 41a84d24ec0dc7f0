package cli

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/scalar"
)

// "Did you mean": a mistyped command, flag or injector name is answered
// with the closest known one (fold.Closest).

// meant is ": did you mean X?" for the value of candidates closest to
// typed, a misspelled enumerated value (--profile opnaev, --expectation
// DETECTON), as a param or an inject file's field is answered; "" when none
// is close.
func meant(typed string, candidates []string) string {
	if s := fold.Closest(strings.TrimSpace(typed), candidates); s != "" {
		return ": did you mean " + s + "?"
	}
	return ""
}

// commandNames returns the names and aliases of the visible commands.
func commandNames(cmds []*ucli.Command) []string {
	var out []string
	for _, c := range cmds {
		if !c.Hidden {
			out = append(out, c.Names()...)
		}
	}
	return out
}

// unknownCommand is the usage error of `<path> <typed>` where typed names
// no command of cmds, with the closest as a hint.
func unknownCommand(path, typed string, cmds []*ucli.Command) error {
	ee := &ExitError{Code: ExitUsage, Err: fmt.Errorf("unknown command %q (see %s --help)", typed, path)}
	if s := fold.Closest(typed, commandNames(cmds)); s != "" {
		ee.Hint = fmt.Sprintf("did you mean %s %s?", path, s)
	}
	return ee
}

// groupAction is the action of a command that only holds subcommands (the
// application itself when root, outbox): its help without arguments, else
// an unknown-command error with a suggestion. path is the command as
// typed ("injectkit outbox").
func groupAction(o Options, path string, root bool) ucli.ActionFunc {
	return func(c *ucli.Context) error {
		switch {
		case c.NArg() > 0:
			return unknownCommand(path, c.Args().First(), c.Command.Subcommands)
		case root:
			return ucli.ShowAppHelp(c)
		}
		return ucli.ShowSubcommandHelp(c)
	}
}

// undefinedFlag is the start of the flag package's error for an unknown
// flag: "flag provided but not defined: -nope".
const undefinedFlag = "flag provided but not defined: "

// flagNotes explains, by command path, a flag that the command lacks and
// a user may look for in it (another command's): the hint says why rather
// than suggest a flag that only looks alike.
var flagNotes = map[string]map[string]string{"serve": serveFlagNotes, "run": runFlagNotes, "validate": validateFlagNotes}

// runFlagNotes are the hints of flags other tools have and run does not:
// the README and the guide speak of "a dry run", which is a run without
// --backend-url, and a newcomer tried --dry-run (tester t155).
var runFlagNotes = map[string]string{
	"dry-run": "a run without --backend-url is the dry run: it prints each body it would send to stdout and sends nothing " +
		"(with --profile openaev, the platform's calls); validate checks the inject without running it",
}

// validateFlagNotes are validate's: it is a dry run already.
var validateFlagNotes = map[string]string{
	"dry-run": "validate runs nothing and sends nothing: drop --dry-run",
}

// flagHint suggests the flag of flags closest to the one err says is not
// defined (or gives its note of notes), "" when err is about something
// else or none is close.
func flagHint(flags []ucli.Flag, notes map[string]string, err error) string {
	typed, ok := undefinedName(err)
	if !ok {
		return ""
	}
	if note, ok := notes[typed]; ok {
		return note
	}
	var names []string
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) > 1 { // long names only: -o is no suggestion for -x
				names = append(names, n)
			}
		}
	}
	if s := fold.Closest(typed, names); s != "" {
		return "did you mean --" + s + "?"
	}
	return ""
}

// undefinedName returns the name, without its dashes, of the flag err
// says is not defined; false when err is about something else.
func undefinedName(err error) (string, bool) {
	msg := err.Error()
	i := strings.Index(msg, undefinedFlag)
	if i < 0 {
		return "", false
	}
	return strings.TrimLeft(strings.Fields(msg[i+len(undefinedFlag):] + " ")[0], "-"), true
}

// dashesAsTyped writes an unknown flag, or one given no value, the way the
// user typed it: the flag package names --taget "-taget" whatever the
// dashes.
func dashesAsTyped(msg string, args []string) string {
	if name, rest, ok := strings.Cut(msg, needsValue); ok && strings.HasPrefix(name, "-") && !strings.Contains(name, " ") {
		for _, a := range args {
			if strings.HasPrefix(a, "-") && strings.TrimLeft(a, "-") == strings.TrimLeft(name, "-") {
				return a + needsValue + rest
			}
		}
		return msg
	}
	i := strings.Index(msg, undefinedFlag+"-")
	if i < 0 {
		return msg
	}
	rest := msg[i+len(undefinedFlag):]
	named := strings.Fields(rest + " ")[0] // -taget
	for _, a := range args {
		if a == "-"+named || strings.HasPrefix(a, "-"+named+"=") {
			return msg[:i+len(undefinedFlag)] + "-" + rest
		}
	}
	return msg
}

// suggestFlags makes the usage errors of cmd name the command's help and
// suggest the closest flag to an unknown one, and refuses a flag given no
// value before the command's action runs. path is the command as typed,
// after the binary's name ("outbox list").
func suggestFlags(o Options, cmd *ucli.Command, path string) {
	full := o.name() + " " + path
	flags := cmd.Flags
	cmd.OnUsageError = func(_ *ucli.Context, err error, _ bool) error {
		if nv := flagWithoutValue(err); nv != "" {
			return usageErr("%s (see %s --help)", nv, full)
		}
		if be := badBoolFlag(err); be != nil {
			return be
		}
		hint := flagHint(flags, flagNotes[path], err)
		if typed, ok := undefinedName(err); ok {
			hint = cmp.Or(injectorFlagNote(o, path, typed), hint)
		}
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w (see %s --help)", err, full), Hint: hint}
	}
	if action := cmd.Action; action != nil && len(flags) > 0 {
		cmd.Action = func(c *ucli.Context) error {
			if err := missingFlagValue(c, full); err != nil {
				return err
			}
			return action(c)
		}
	}
}

// needsValue is the error of a flag given no value: "--target needs a
// value", then ", not the flag --param" when the next flag was taken for
// its value.
const needsValue = " needs a value"

// flagNeedsArg is the start of the flag package's error for a flag last
// on the line: "flag needs an argument: -target".
const flagNeedsArg = "flag needs an argument: -"

// flagWithoutValue rewrites the flag package's error for a flag last on
// the line as needsValue says it; "" for any other error.
func flagWithoutValue(err error) string {
	if name, ok := strings.CutPrefix(err.Error(), flagNeedsArg); ok {
		return dashed(name) + needsValue
	}
	return ""
}

// badBool matches the flag package's error for a boolean flag given a
// value it cannot read (--insecure=yes): the value, quoted, and the flag.
var badBool = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^invalid boolean value ("(?:[^"\\]|\\.)*") for -([A-Za-z0-9-]+): `)
})

// badBoolFlag rewrites the flag package's error for a boolean flag given
// a value it cannot read ("invalid boolean value "yes" for -insecure:
// parse error") as the environment's and the config file's are read
// (invalid insecure "yes" (--insecure): not a boolean: want true or false …,
// scalar.ErrNotBool: the flag package reads strconv.ParseBool's forms,
// scalar.Bool's); nil for any other
// error.
func badBoolFlag(err error) error {
	m := badBool().FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	value, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		return nil
	}
	return usageErr("invalid %s %q (%s): %w", strings.ReplaceAll(m[2], "-", "_"), value, dashed(m[2]), scalar.ErrNotBool)
}

// dashed writes a flag's name as typed most often: -o, --target.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// isFlagOf reports whether arg names one of flags: --param, -o,
// --param=x.
func isFlagOf(flags []ucli.Flag, arg string) bool {
	if !strings.HasPrefix(arg, "-") {
		return false
	}
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// missingFlagValue refuses a flag whose value is "--" or another flag of
// the command: the flag had no value (`run noop --target`, `--target
// --param x=1`), and the next argument was taken for it. full is the
// command as typed ("injectkit outbox flush").
func missingFlagValue(c *ucli.Context, full string) error {
	set := setFlags(c)
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if !flagTakesValue(f) || !set[name] {
			continue
		}
		vals := []string{c.String(name)}
		if g, ok := c.Generic(name).(*repeated); ok {
			vals = g.values
		}
		for _, v := range vals {
			switch {
			case v == "--":
				return usageErr("%s%s (see %s --help)", dashed(name), needsValue, full)
			case isFlagOf(c.Command.Flags, v):
				return usageErr("%s%s, not the flag %s (see %s --help)", dashed(name), needsValue, v, full)
			}
		}
	}
	return nil
}

// explain adds a "did you mean" to the errors that name something
// unknown: an injector (any command naming one), or a help topic
// (`injectkit -h rn`, `injectkit outbox -h lst`: the group args name, whose
// commands the topic is looked for in and whose help the error points to).
func explain(o Options, app *ucli.App, args []string, err error) error {
	var ee *ExitError
	var ue *framework.UnknownInjectorError
	switch {
	case errors.As(err, &ee) && ee.Hint == "" && errors.As(err, &ue):
		if s := fold.Closest(ue.Name, ue.Known); s != "" {
			ee.Hint = fmt.Sprintf("did you mean %s?", s)
		}
	case ee == nil:
		const topic = "No help topic for '"
		if msg := err.Error(); strings.HasPrefix(msg, topic) && strings.HasSuffix(msg, "'") {
			path, cmds := o.name(), app.Commands
			if group, _ := commandOf(app, args); group != nil && len(group.Subcommands) > 0 {
				path, cmds = o.name()+" "+group.Name, group.Subcommands
			}
			return unknownCommand(path, strings.TrimSuffix(strings.TrimPrefix(msg, topic), "'"), cmds)
		}
	}
	return err
}
