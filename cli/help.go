package cli

import (
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// examples are the EXAMPLES section of each command's help, by the command
// as typed after the binary's name ("" for the application itself).
// "injectkit" is replaced by the binary's name.
func examples(path string) []string {
	switch path {
	case "":
		return []string{
			"injectkit run noop --target 127.0.0.1",
			"injectkit injectors nmap",
			"injectkit validate --inject-file inject.json",
			"source <(injectkit completion bash)",
		}
	case "run":
		return []string{
			"injectkit run noop --target 127.0.0.1 --target web.example.com",
			"injectkit run nmap --target 127.0.0.1 --param ports=22,80 --param service_detection=true",
			`injectkit run --inject-file inject.json --backend-url https://backend.example.com --token "$TOKEN"`,
			"injectkit run noop --target 127.0.0.1 --profile openaev   # prints the platform's calls",
		}
	case "validate":
		return []string{
			"injectkit validate --inject-file inject.json",
			"injectkit validate nmap --target 10.0.0.1 --param ports=22,80",
			"injectkit validate --config run.yaml --inject-file inject.json && injectkit run --config run.yaml --inject-file inject.json",
		}
	case "serve":
		return []string{
			`injectkit serve --openaev-url https://openaev.example.com --token "$TOKEN" --injector-id 5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10`,
			"injectkit serve --config /etc/injectkit/serve.yaml",
		}
	case "injectors":
		return []string{
			"injectkit injectors",
			"injectkit injectors nmap",
			"injectkit injectors query --config run.yaml   # the settings' values from the file",
			"injectkit injectors -o json",
		}
	case "outbox":
		return []string{"injectkit outbox list", `injectkit outbox flush --backend-url https://backend.example.com --token "$TOKEN"`,
			`injectkit outbox retry-dead 7 --backend-url https://backend.example.com --token "$TOKEN"`}
	case "outbox list":
		return []string{"injectkit outbox list", "injectkit outbox list -o json", "injectkit outbox list --outbox /var/lib/injectkit/outbox.db"}
	case "outbox flush":
		return []string{`injectkit outbox flush --backend-url https://backend.example.com --token "$TOKEN"`,
			`injectkit outbox flush --outbox /var/lib/injectkit/outbox.db --backend-url https://backend.example.com --token "$TOKEN"`}
	case "outbox drop":
		return []string{"injectkit outbox drop 7"}
	case "outbox retry-dead":
		return []string{`injectkit outbox retry-dead 7 --backend-url https://backend.example.com --token "$TOKEN"`}
	case "version":
		return []string{"injectkit version", "injectkit version -o json", "injectkit --version"}
	case "completion":
		return []string{
			"source <(injectkit completion bash)                  # bash, this shell",
			"injectkit completion bash > /etc/bash_completion.d/injectkit",
			`injectkit completion zsh > "${fpath[1]}/_injectkit"   # zsh`,
			"injectkit completion fish > ~/.config/fish/completions/injectkit.fish",
		}
	}
	return nil
}

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
	app.Usage = o.rename(app.Usage)
	app.CustomAppHelpTemplate = o.rename(app.CustomAppHelpTemplate) + examplesSection(o, examples(""))
	for _, cmd := range app.Commands {
		finishCommand(o, cmd, cmd.Name)
	}
	// urfave/cli adds one help command, a package variable it writes to,
	// to every command: two applications running at once in one process
	// (the tests run commands in parallel) would race on it. Each
	// application and group has a help command of its own instead.
	app.HideHelpCommand = true
	app.Commands = append(app.Commands, helpCommand(o, nil))
}

// helpCommand is the help command of the application (group nil) or of a
// group of commands: "help [command]".
func helpCommand(o Options, group *ucli.Command) *ucli.Command {
	return &ucli.Command{
		Name: "help", Aliases: []string{"h"}, ArgsUsage: "[command]", HideHelp: true, HideHelpCommand: true,
		Usage: "Shows a list of commands or help for one command",
		Action: func(c *ucli.Context) error {
			parent := c.Lineage()[1] // the group's context, or the application's
			switch {
			case c.NArg() > 0:
				return ucli.ShowCommandHelp(parent, c.Args().First())
			case group == nil:
				return ucli.ShowAppHelp(parent)
			}
			return ucli.ShowSubcommandHelp(parent)
		},
	}
}

func finishCommand(o Options, cmd *ucli.Command, path string) {
	cmd.Usage, cmd.Description, cmd.UsageText = o.rename(cmd.Usage), o.rename(cmd.Description), o.rename(cmd.UsageText)
	suggestFlags(o, cmd, path)
	template := ucli.CommandHelpTemplate
	if len(cmd.Subcommands) > 0 {
		template = ucli.SubcommandHelpTemplate
		if cmd.Action == nil {
			cmd.Action = groupAction(o, o.name()+" "+path, false)
		}
	}
	if cmd.CustomHelpTemplate == "" {
		cmd.CustomHelpTemplate = template + examplesSection(o, examples(path))
	}
	for _, sub := range cmd.Subcommands {
		finishCommand(o, sub, path+" "+sub.Name)
	}
	cmd.HideHelpCommand = true // see finishApp
	if len(cmd.Subcommands) > 0 {
		cmd.Subcommands = append(cmd.Subcommands, helpCommand(o, cmd))
	}
}
