package cli

import (
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// examplesSection renders examples as a help section, every "injectkit"
// the binary's name: its commands, and its files (the completion scripts,
// /etc/injectkit/serve.yaml).
func examplesSection(o Options, lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nEXAMPLES:\n")
	for _, l := range lines {
		b.WriteString("   " + strings.ReplaceAll(l, defaultName, o.name()) + "\n")
	}
	return b.String()
}

// finishApp applies to every command what the application owes each: the
// binary's name in its help, an EXAMPLES section, usage errors that
// suggest the closest flag, and, for a command that only holds
// subcommands, an error suggesting the closest one.
func finishApp(o Options, app *ucli.App) {
	app.Usage = o.renameHelp(app.Usage)
	ex := exampleInjectors(o.injectors())
	app.CustomAppHelpTemplate = o.renameHelp(app.CustomAppHelpTemplate) + examplesSection(o, examples(ex, ""))
	for _, cmd := range app.Commands {
		finishCommand(o, ex, cmd, cmd.Name)
		exitsAsLogged(o, cmd)
	}
	// urfave/cli adds one help command, a package variable it writes to,
	// to every command: two applications running at once in one process
	// (the tests run commands in parallel) would race on it. Each
	// application and group has a help command of its own instead.
	app.HideHelpCommand = true
	app.Commands = append(app.Commands, helpCommand(o, nil, o.name()))
}

// helpCommand is the help command of the application (group nil, path
// the binary's name) or of a group of commands (path "injectkit outbox"):
// "help [command...]" shows what "command... --help" shows, a group's
// command named after the group's name ("injectkit help outbox flush").
func helpCommand(o Options, group *ucli.Command, path string) *ucli.Command {
	return &ucli.Command{
		Name: "help", Aliases: []string{"h"}, ArgsUsage: "[command]", HideHelp: true, HideHelpCommand: true,
		// It has no flags: --help (help --help) asks for the help it
		// shows, not a flag the parser refuses ("Incorrect Usage").
		SkipFlagParsing: true,
		Usage:           "Shows a list of commands or help for one command",
		Action: func(c *ucli.Context) error {
			parent := c.Lineage()[1] // the group's context, or the application's
			args := slices.DeleteFunc(c.Args().Slice(), func(a string) bool { return a == "--help" || a == "-h" || a == "--" })
			switch {
			case len(args) > 0:
				return showCommandHelp(parent, group, path, args)
			case group == nil:
				return ucli.ShowAppHelp(parent)
			}
			return ucli.ShowSubcommandHelp(parent)
		},
	}
}

// showCommandHelp shows the help of the command names name, from the
// commands of group (the application's when nil), as its --help does:
// each name but the last a group, a command without subcommands ending
// the path (the words after it are its arguments: "help run noop" is
// run's help). A name that is no command exits 2 as the group given it
// does, with the closest as a hint.
func showCommandHelp(c *ucli.Context, group *ucli.Command, path string, names []string) error {
	cmds := c.App.Commands
	if group != nil {
		cmds = group.Subcommands
	}
	var found *ucli.Command
	for _, name := range names {
		if found != nil {
			if len(found.Subcommands) == 0 {
				break
			}
			path, cmds = path+" "+found.Name, found.Subcommands
		}
		i := slices.IndexFunc(cmds, func(cmd *ucli.Command) bool { return cmd.HasName(name) })
		if i < 0 {
			return unknownCommand(path, name, cmds)
		}
		found = cmds[i]
	}
	// urfave/cli shows a command's help from the context of the group
	// holding it: this one holds found's siblings.
	at := ucli.NewContext(c.App, nil, c)
	at.Command = &ucli.Command{Subcommands: cmds}
	return ucli.ShowCommandHelp(at, found.Name)
}

func finishCommand(o Options, ex injectorExamples, cmd *ucli.Command, path string) {
	cmd.Usage, cmd.Description, cmd.UsageText = o.renameHelp(cmd.Usage), o.renameHelp(cmd.Description), o.renameHelp(cmd.UsageText)
	suggestFlags(o, cmd, path)
	template := ucli.CommandHelpTemplate
	if len(cmd.Subcommands) > 0 {
		// urfave/cli sorts a group's commands into categories when the
		// group runs: its help shown from the help command, which does not
		// run it, lists them without (this application has none).
		template = strings.Replace(ucli.SubcommandHelpTemplate, `{{template "visibleCommandCategoryTemplate" .}}`,
			`{{template "visibleCommandTemplate" .}}`, 1)
		if cmd.UsageText == "" {
			// Said as the application's usage line says its own commands:
			// urfave/cli's subcommand template writes no "command".
			cmd.UsageText = o.name() + " " + path + " command [command options]"
		}
		if cmd.Action == nil {
			cmd.Action = groupAction(o, o.name()+" "+path, false)
		}
	}
	if cmd.CustomHelpTemplate == "" {
		cmd.CustomHelpTemplate = template + examplesSection(o, examples(ex, path))
	}
	for _, sub := range cmd.Subcommands {
		// Named as urfave/cli names it when the group runs: the help
		// command shows it without running the group.
		sub.HelpName = o.name() + " " + path + " " + sub.Name
		finishCommand(o, ex, sub, path+" "+sub.Name)
	}
	cmd.HideHelpCommand = true // see finishApp
	if len(cmd.Subcommands) > 0 {
		cmd.Subcommands = append(cmd.Subcommands, helpCommand(o, cmd, o.name()+" "+path))
	}
}
