package cli

import (
	"fmt"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
)

// An INJECTKIT_ variable of the environment is a setting: one that no
// command and no injector reads is a slip (INJECTKIT_BACKEND_ULR), which
// would leave the setting meant at its default (no backend: the
// signatures printed to stdout) without a word. A command that reads its
// configuration refuses it before anything runs, as it refuses an unknown
// key of a config file. A variable another command reads (serve's
// INJECTKIT_WORKERS seen by run) is not refused: one environment may serve
// every command.

// envUsage is how the help of a setting's flag ends: " (env NAME)" (see
// flagsOf), the one place a flag says its environment variable.
const envUsage = " (env "

// flagEnv returns the environment variable of a flag made by flagsOf: the
// one its help ends with.
func flagEnv(f ucli.Flag) (string, bool) {
	df, ok := f.(ucli.DocGenerationFlag)
	if !ok {
		return "", false
	}
	u, ok := strings.CutSuffix(df.GetUsage(), ")")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(u, envUsage)
	if i < 0 {
		return "", false
	}
	name := u[i+len(envUsage):]
	return name, strings.HasPrefix(name, envPrefix)
}

// knownEnv returns, sorted, the environment variables the commands of app
// (every flag's) and the injectors of ms (every setting's) read.
func knownEnv(app *ucli.App, ms []framework.Manifest) []string {
	var out []string
	addFlags := func(flags []ucli.Flag) {
		for _, f := range flags {
			if name, ok := flagEnv(f); ok {
				out = append(out, name)
			}
		}
	}
	var walk func([]*ucli.Command)
	walk = func(cmds []*ucli.Command) {
		for _, c := range cmds {
			addFlags(c.Flags)
			walk(c.Subcommands)
		}
	}
	if app != nil {
		addFlags(app.Flags)
		walk(app.Commands)
	}
	for _, m := range ms {
		for _, s := range m.Settings {
			if s.Env != "" {
				out = append(out, s.Env)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rootApp returns the application c runs in.
func rootApp(c *ucli.Context) *ucli.App {
	var app *ucli.App
	for _, l := range c.Lineage() {
		if l.App != nil {
			app = l.App
		}
	}
	return app
}

// checkEnv refuses the INJECTKIT_ variables of the environment (o.Environ)
// that no command of c's application nor any injector of ms reads, naming
// each (never its value, a token maybe) and the closest known name: exit
// 2. With a broken injector registered, whose settings are unknown, the
// error is its panic (exit 3, naming it and the method), the variables
// named as maybe its own.
func checkEnv(c *ucli.Context, o Options, ms []framework.Manifest) error {
	if o.Environ == nil {
		return nil
	}
	var known, unknown []string
	for _, kv := range o.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) {
			continue
		}
		if known == nil {
			known = knownEnv(rootApp(c), ms)
		}
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	unknown = slices.Compact(unknown)
	named := make([]string, len(unknown))
	for i, name := range unknown {
		named[i] = name
		if s := closest(name, known); s != "" {
			named[i] += " (did you mean " + s + "?)"
		}
	}
	what, it, may := "unknown environment variable ", "it", "one"
	if len(unknown) > 1 {
		what, it, may = "unknown environment variables ", "them", "some"
	}
	if broken := o.injectors().brokenInjectors(); len(broken) > 0 {
		// A broken injector (its factory or Manifest panicked) cannot say
		// which variables it reads: they may be its settings. Its panic
		// is what the user has to fix, as any command using it says.
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%w; %s, which no %s command or other injector reads, may be %s of its settings",
			broken[0], strings.Join(named, ", "), o.name(), may)}
	}
	return usageErr("%s%s: no %s command or injector reads %s; unset or rename %s",
		what, strings.Join(named, ", "), o.name(), it, it)
}
