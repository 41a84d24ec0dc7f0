package cli

import (
	"encoding/json"
	"fmt"
	"reflect"
	goruntime "runtime"

	ucli "github.com/urfave/cli/v2"
)

// Output formats of the commands that print something to read (version,
// injectors, outbox list).
const (
	outputText = "text"
	outputJSON = "json"
)

// versionConfig is the configuration of `injectkit version`.
type versionConfig struct {
	Output string `config:"output" enum:"text|json" usage:"output format: text (default) or json"`
}

// versionFlag is the application's --version.
const versionFlag = "version"

// versionInfo is what `injectkit version -o json` prints.
type versionInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func (o Options) versionInfo() versionInfo {
	return versionInfo{Name: o.name(), Version: o.version(), Commit: o.commit(), GoVersion: o.goVersion(),
		Platform: goruntime.GOOS + "/" + goruntime.GOARCH}
}

func versionCommand(o Options) *ucli.Command {
	return &ucli.Command{
		Name:        "version",
		Usage:       "print the version, the commit and the Go version it was built from",
		Description: versionExitHelp,
		// No --config: the version never depends on a config file.
		Flags: withShort(flagsOf(o.name(), reflect.TypeFor[versionConfig](), nil)[1:], "output", "o"),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return argsError(c, o, c.Command.Name, "no arguments")
			}
			var cfg versionConfig
			if err := decodeFields(&cfg, c, o.name(), o.Getenv, nil); err != nil {
				return err
			}
			return printVersion(o, cfg.Output)
		},
	}
}

// printVersion prints "injectkit 1.2.3 (commit 0123456789ab, go1.26.0,
// linux/amd64)", or the same as one JSON object.
func printVersion(o Options, output string) error {
	v := o.versionInfo()
	if output == outputJSON {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode version: %w", err)
		}
		_, err = fmt.Fprintf(o.Stdout, "%s\n", b)
		return err
	}
	commit := v.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	_, err := fmt.Fprintf(o.Stdout, "%s %s (commit %s, %s, %s)\n", v.Name, v.Version, commit, v.GoVersion, v.Platform)
	return err
}

// rootAction is the application's own action: --version (no arguments:
// `--version extra` is refused like `version extra`), else the help,
// else an unknown command with a suggestion (`injectkit rn`).
func rootAction(o Options) ucli.ActionFunc {
	group := groupAction(o, o.name(), true)
	return func(c *ucli.Context) error {
		if c.Bool(versionFlag) {
			if c.NArg() > 0 {
				return argsError(c, o, "--"+versionFlag, "no arguments")
			}
			// As `version`: INJECTKIT_OUTPUT=json (the only source of the
			// output here, --version taking no flag of its own) gives JSON.
			var cfg versionConfig
			if err := decodeFields(&cfg, c, o.name(), o.Getenv, nil); err != nil {
				return err
			}
			return printVersion(o, cfg.Output)
		}
		return group(c)
	}
}

// versionBefore refuses --version given with a command (`injectkit
// --version run noop`): urfave/cli runs the command and ignores the flag,
// so the user who asked for the version would run an inject instead.
// The words are refused as `--version extra` is, before the command runs.
func versionBefore(o Options) ucli.BeforeFunc {
	return func(c *ucli.Context) error {
		if !c.Bool(versionFlag) || c.NArg() == 0 {
			return nil
		}
		if cmd := c.App.Command(c.Args().First()); cmd != nil {
			return wordsError(c, o, "--%s takes no command, got %q (%s --%s prints the version; give %s without --%s)",
				versionFlag, cmd.Name, o.name(), versionFlag, cmd.Name, versionFlag)
		}
		return argsError(c, o, "--"+versionFlag, "no arguments")
	}
}

// withShort gives the flag named name the one-letter alias short (-o for
// --output), unless it has it already.
func withShort(flags []ucli.Flag, name, short string) []ucli.Flag {
	for _, f := range flags {
		sf, ok := f.(*ucli.StringFlag)
		if !ok || sf.Name != name {
			continue
		}
		for _, a := range sf.Aliases {
			if a == short {
				return flags
			}
		}
		sf.Aliases = append(sf.Aliases, short)
	}
	return flags
}
