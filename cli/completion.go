package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
)

// Shell completion. The bash and zsh scripts are urfave/cli's
// (autocomplete/bash_autocomplete, zsh_autocomplete), named for the binary:
// on <TAB> they run the command line typed so far followed by
// --generate-bash-completion, and offer the words it prints. Run answers
// that request itself (complete), from the arguments it is given rather
// than os.Args, after the same command lookup as interspersed. The fish
// script is urfave/cli's App.ToFishCompletion, static, plus the injector
// names.

// completionMarker ends a completion request.
const completionMarker = "--generate-bash-completion"

const bashCompletion = `# bash completion for NAME. Load it in this shell: source <(NAME completion bash)
# or for every shell: NAME completion bash > /etc/bash_completion.d/NAME
FUNC() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
}
complete -o bashdefault -o default -F FUNC NAME
`

const zshCompletion = `#compdef NAME
# zsh completion for NAME. Load it in this shell: source <(NAME completion zsh)
# or for every shell: NAME completion zsh > "${fpath[1]}/_NAME"
FUNC() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
if [[ "${funcstack[1]}" == "_NAME" ]]; then
  FUNC "$@"
else
  compdef FUNC NAME
fi
`

// shells are the shells `completion` writes a script for.
const shells = "bash zsh fish"

func completionCommand(o Options) *ucli.Command {
	cmd := command("completion", "bash|zsh|fish", "print the shell completion script of bash, zsh or fish",
		"Writes to stdout a script completing the commands, their flags and the injector names.",
		"Load it from the shell's startup file or its completion directory (see EXAMPLES).", "", completionExitHelp)
	cmd.Action = func(c *ucli.Context) error {
		if c.NArg() != 1 {
			return argsError(c, o, c.Command.Name, "one shell, "+orList(strings.Fields(shells)))
		}
		return writeCompletion(o, c.Args().First())
	}
	return cmd
}

// writeCompletion writes the completion script of shell to stdout.
func writeCompletion(o Options, shell string) error {
	name := o.name()
	fn := "_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name) + "_complete"
	script := ""
	switch shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "fish":
		// From an application not yet run: running one appends urfave/cli's
		// shared help command to the commands run, which a `help` run in
		// the same process makes its own subcommand, a cycle for
		// ToFishCompletion.
		s, err := NewApp(o).ToFishCompletion()
		if err != nil {
			return fmt.Errorf("fish completion: %w", err)
		}
		script = s + fmt.Sprintf("complete -c %s -n '__fish_seen_subcommand_from run validate injectors' -f -a '%s'\n",
			name, strings.Join(o.Registry.Names(), " "))
		_, err = io.WriteString(o.Stdout, script)
		return err
	default:
		return usageErr("invalid shell %q: want %s%s", shell, orList(strings.Fields(shells)), meant(shell, strings.Fields(shells)))
	}
	_, err := io.WriteString(o.Stdout, strings.NewReplacer("FUNC", fn, "NAME", name).Replace(script))
	return err
}

// isCompletion reports whether args are a completion request.
func isCompletion(args []string) bool {
	return len(args) > 1 && args[len(args)-1] == completionMarker
}

// complete prints, one a line, the words that may come next on the command
// line args (the binary's name, the words typed, maybe the flag being
// typed, then the marker): the flags of the command named when a flag is
// being typed, else its subcommands, else the injector names for the
// commands that take one, else nothing (the shell completes file names).
func complete(o Options, app *ucli.App, args []string) {
	words := args[1 : len(args)-1]
	var cmd *ucli.Command
	cmds, flags := app.Commands, app.Flags
	positional, afterValueFlag, partial := 0, false, ""
	for i := 0; i < len(words); i++ {
		if i == len(words)-1 && strings.HasPrefix(words[i], "-") && !takesValue(flags, strings.TrimLeft(words[i], "-")) {
			// The flag being typed (the scripts pass it only then), not
			// a flag whose value comes next.
			partial = words[i]
			break
		}
		w := words[i]
		afterValueFlag = false
		if strings.HasPrefix(w, "-") {
			if takesValue(flags, strings.TrimLeft(w, "-")) {
				if i+1 < len(words) {
					i++
				} else {
					afterValueFlag = true
				}
			}
			continue
		}
		if next := findCommand(cmds, w); next != nil && positional == 0 {
			cmd, cmds, flags = next, next.Subcommands, next.Flags
			continue
		}
		positional++
	}
	var out []string
	switch {
	case partial != "":
		for _, f := range flags {
			for _, n := range f.Names() {
				if dash := "--" + n; len(n) > 1 && strings.HasPrefix(dash, partial) {
					out = append(out, dash)
				}
			}
		}
	case afterValueFlag:
	case positional > 0:
	case len(cmds) > 0:
		// help is for a person at the prompt, not a word to complete.
		out = slices.DeleteFunc(commandNames(cmds), func(n string) bool { return n == "help" || n == "h" })
	case cmd != nil && (cmd.Name == "run" || cmd.Name == "validate" || cmd.Name == "injectors"):
		out = o.Registry.Names()
	case cmd != nil && cmd.Name == "completion":
		out = strings.Fields(shells)
	}
	for _, w := range out {
		fmt.Fprintln(o.Stdout, w)
	}
}

func findCommand(cmds []*ucli.Command, name string) *ucli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag named name (no dashes, maybe
// name=value) of flags takes a value in the next argument.
func takesValue(flags []ucli.Flag, name string) bool {
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return flagTakesValue(f)
			}
		}
	}
	return false
}
