package cli

import (
	"fmt"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/internal/scalar"
)

// commandOf returns the innermost command args name (`outbox drop 7
// --outbox f` names drop) and its index in args; nil and -1 when args name
// none.
func commandOf(app *ucli.App, args []string) (*ucli.Command, int) {
	var cmd *ucli.Command
	at := -1
	cmds := app.Commands
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			continue
		}
		var next *ucli.Command
		for _, c := range cmds {
			if c.HasName(args[i]) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		cmd, at = next, i
		if len(next.Subcommands) == 0 {
			break
		}
		cmds = next.Subcommands
	}
	return cmd, at
}

// interspersed moves a subcommand's positional arguments after its flags,
// so that `run noop --target x` parses like `run --target x noop`
// (urfave/cli stops reading flags at the first positional argument).
func interspersed(app *ucli.App, args []string) []string {
	cmd, at := commandOf(app, args)
	if cmd == nil || len(cmd.Subcommands) > 0 || cmd.SkipFlagParsing {
		// No command, a group whose subcommand is unknown (reported by
		// the group: `outbox lst`), or help (`help run --help`): as typed.
		return args
	}
	// --help written before the command (`injectkit -h outbox flush`) asks
	// for the command's page: urfave/cli would show the page of the first
	// word after it, the group.
	out := make([]string, 0, len(args)+1)
	help := false
	for i, a := range args[:at+1] {
		if i > 0 && (a == "-h" || a == "--help") {
			help = true
			continue
		}
		out = append(out, a)
	}
	if help {
		out = append(out, "--help")
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			takesValue[n] = flagTakesValue(f)
		}
	}
	var positional []string
	rest := args[at+1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			positional = append(positional, rest[i+1:]...)
			i = len(rest)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			out = append(out, a)
			name := strings.TrimLeft(a, "-")
			help = help || name == "help" || name == "h"
			if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
				i++
				out = append(out, rest[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if len(positional) > 0 && !help {
		// With --help the command's help is shown: its arguments are
		// not the name of a help topic (`run nmap --help` is run's help,
		// not "unknown command nmap").
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}

// flagTakesValue reports whether a flag takes a value (every flag but a
// boolean one: --insecure, --help).
func flagTakesValue(f ucli.Flag) bool {
	tv, ok := f.(interface{ TakesValue() bool })
	return !ok || tv.TakesValue()
}

// boolValueHint is the hint of a command given an argument it does not
// take where a boolean flag of flags was given its value after a space
// (`--insecure true`, as `--timeout 5m` is written): a boolean flag takes
// none, and the word was left as an argument. It names the flag as typed
// in args and how to write it; "" when no boolean flag is followed by a
// boolean's word.
func boolValueHint(flags []ucli.Flag, args []string) string {
	for i := 0; i+1 < len(args) && args[i] != "--"; i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		if !strings.HasPrefix(a, "-") || name == "" || strings.Contains(name, "=") {
			continue
		}
		j := slices.IndexFunc(flags, func(f ucli.Flag) bool { return slices.Contains(f.Names(), name) })
		switch {
		case j < 0:
		case flagTakesValue(flags[j]):
			i++ // its value, whatever it reads as
		case name != "help" && name != "h":
			if _, err := scalar.Bool(args[i+1]); err == nil {
				return fmt.Sprintf("%s takes no value after a space: write %s=%s", a, a, args[i+1])
			}
		}
	}
	return ""
}
