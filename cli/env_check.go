package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/signatures"
)

// An INJECTKIT_ variable of the environment is a setting: one that no
// command and no injector reads is a slip (INJECTKIT_BACKEND_ULR), which
// would leave the setting meant at its default (no backend: the
// signatures printed to stdout) without a word. A command that reads its
// configuration refuses it before anything runs, as it refuses an unknown
// key of a config file. A variable another command reads (serve's
// INJECTKIT_WORKERS seen by run) is not refused: one environment may serve
// every command. Nor is one that is plainly not meant for injectkit: those
// of a container link (a Kubernetes Service named injectkit: see
// isLinkVar) are ignored, and any other unknown one that is no likely slip
// of a known name (INJECTKIT_VERSION set by a Dockerfile) is only warned
// of.

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

// checkEnv refuses the INJECTKIT_ variables of the environment
// (o.Environ), their prefix in any case, that no command of c's
// application nor any injector of ms reads and that are likely slips of a
// name one reads (slipOf), naming each (never its value, a token maybe)
// and that name: exit 2. With a broken injector registered, whose settings
// are unknown, the error is its panic (exit 3, naming it and the method),
// the slips named as maybe its own. It returns, sorted, the other unknown
// ones but those of a container link (isLinkVar), for the command to warn
// of once its logger is built (origins.warnStrayEnv): a variable plainly
// not meant for it
// (INJECTKIT_VERSION of a Dockerfile) never stops a command.
func checkEnv(c *ucli.Context, o Options, ms []framework.Manifest) ([]string, error) {
	if o.Environ == nil {
		return nil, nil
	}
	var names []string
	for _, kv := range o.Environ() {
		if name, _, _ := strings.Cut(kv, "="); hasEnvPrefix(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	known := knownEnv(rootApp(c), ms)
	if err := checkParamEnv(names, known, ms); err != nil {
		return nil, err
	}
	slips, stray := sortEnv(names, known, settingForms(ms))
	if len(slips) == 0 {
		return stray, nil
	}
	what, it, may := "unknown environment variable ", "it", "one"
	if len(slips) > 1 {
		what, it, may = "unknown environment variables ", "them", "some"
	}
	if broken := o.injectors().brokenInjectors(); len(broken) > 0 {
		// A broken injector (its factory or Manifest panicked) cannot say
		// which variables it reads: they may be its settings. Its panic
		// is what the user has to fix, as any command using it says.
		return nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("%w; %s, which no %s command or other injector reads, may be %s of its settings",
			broken[0], strings.Join(slips, ", "), o.name(), may)}
	}
	return nil, usageErr("%s%s: no %s command or injector reads %s; unset or rename %s",
		what, strings.Join(slips, ", "), o.name(), it, it)
}

// hasEnvPrefix reports whether name starts with envPrefix, in any case
// (injectkit_backend_url): a variable the user meant for injectkit, which
// reads it in upper case only.
func hasEnvPrefix(name string) bool {
	return len(name) >= len(envPrefix) && strings.EqualFold(name[:len(envPrefix)], envPrefix)
}

// settingForms maps the natural environment form of each injector
// setting of ms that has a variable, INJECTKIT_<INJECTOR>_<KEY> in upper
// case (INJECTKIT_QUERY_SHODAN_BASE_URL, from its config key
// query.shodan_base_url), to that variable (INJECTKIT_SHODAN_BASE_URL):
// a user writing it meant the setting, which would stay at its default (a
// private endpoint's key and queries sent to the public one).
func settingForms(ms []framework.Manifest) map[string]string {
	forms := map[string]string{}
	for _, m := range ms {
		for _, st := range m.Settings {
			if st.Env != "" {
				forms[envForm(m.Name, st.Key)] = st.Env
			}
		}
	}
	return forms
}

// envForm is the natural environment form of an injector's key,
// INJECTKIT_<INJECTOR>_<KEY> in upper case, each character but a letter
// or a digit an underscore.
func envForm(injector, key string) string {
	upper := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '_'
		}, strings.ToUpper(s))
	}
	return envPrefix + upper(injector) + "_" + upper(key)
}

// checkParamEnv refuses the first of names (sorted; in any case) that
// known lacks and that is the natural environment form of a param of an
// injector of ms (INJECTKIT_NMAP_PORTS for nmap's ports): a param is given
// per inject, and the variable would be ignored, the param left at its
// default, as the config file's key nmap.ports is refused (paramAdvice).
func checkParamEnv(names, known []string, ms []framework.Manifest) error {
	type param struct{ injector, name string }
	forms := map[string]param{}
	for _, m := range ms {
		for _, p := range m.Params {
			forms[envForm(m.Name, p.Name)] = param{m.Name, p.Name}
		}
	}
	for _, name := range slices.Sorted(slices.Values(names)) {
		p, ok := forms[envPrefix+strings.ToUpper(name[len(envPrefix):])]
		if ok && !slices.Contains(known, name) {
			return usageErr("unknown environment variable %s; %s", name,
				perInject(p.name, p.injector, "in a variable of its own", " (in the environment: "+envPrefix+"PARAM="+p.name+"=VALUE)"))
		}
	}
	return nil
}

// sortEnv sorts the variables names (each with hasEnvPrefix) that known
// lacks: slips, each written "NAME (did you mean KNOWN?)", and stray, the
// others but those of a container link; each sorted, once. A slip is a
// setting's natural form (forms, in any case: see settingForms) or a
// likely slip of a known name (slipOf).
func sortEnv(names, known []string, forms map[string]string) (slips, stray []string) {
	set := make(map[string]bool, len(names))
	for _, name := range names {
		set[name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if slices.Contains(known, name) || isLinkVar(name, set) {
			continue
		}
		if k := forms[envPrefix+strings.ToUpper(name[len(envPrefix):])]; k != "" {
			slips = append(slips, name+" (did you mean "+k+"?)")
		} else if k := slipOf(name, known); k != "" {
			slips = append(slips, name+" (did you mean "+k+"?)")
		} else {
			stray = append(stray, name)
		}
	}
	return slips, stray
}

// slipOf returns the known name that name (with hasEnvPrefix) is likely a
// slip of, "" when none: compared without the prefix and in upper case,
// one at the least edit distance, if that is at most 1 for a name of up to
// 5 letters (INJECTKIT_TOKN), else 2 (INJECTKIT_OUTBOKS): a known name in
// lower case (injectkit_backend_url) is one; else one that has a word
// (between underscores) more, when name has two words at least
// (INJECTKIT_SHODAN_KEY for INJECTKIT_SHODAN_API_KEY). Tighter than
// closest: INJECTKIT_PORT is no slip of INJECTKIT_PARAM, nor
// INJECTKIT_HOME of INJECTKIT_PHASE, nor INJECTKIT_VERSION (one word) of
// INJECTKIT_OPENAEV_VERSION.
func slipOf(name string, known []string) string {
	typed := strings.ToUpper(name[len(envPrefix):])
	limit := 2
	if len(typed) <= 5 {
		limit = 1
	}
	best, bestD := "", limit+1
	for _, k := range known {
		if d := fold.Distance(typed, strings.TrimPrefix(k, envPrefix)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return best
	}
	words := strings.Split(typed, "_")
	if len(words) < 2 {
		return ""
	}
	for _, k := range known {
		kw := strings.Split(strings.TrimPrefix(k, envPrefix), "_")
		if len(kw) != len(words)+1 {
			continue
		}
		for i := range kw {
			if slices.Equal(slices.Delete(slices.Clone(kw), i, i+1), words) {
				return k
			}
		}
	}
	return ""
}

// setStrayEnv keeps names for warnStrayEnv, each cut as an error quotes a
// value: a name is as long as the environment allows.
func (o *origins) setStrayEnv(names []string) {
	o.strayEnv = make([]string, len(names))
	for i, n := range names {
		o.strayEnv[i] = signatures.Shorten(n, signatures.MaxQuoted)
	}
}

// warnStrayEnv writes one WARN line naming the unknown INJECTKIT_
// variables checkEnv let pass (never their values), if any: name is the
// binary's. It also writes the one of a config file others may read or
// change (configExposure), naming the file and its mode, never a value.
func (o *origins) warnStrayEnv(log *zap.Logger, name string) {
	if why := configExposure(o.config, len(o.fileSecrets) > 0); o.config != "" && why != "" {
		log.Warn("config file others may read or change: "+why, zap.String("config", o.config))
	}
	switch len(o.strayEnv) {
	case 0:
	case 1:
		log.Warn("unknown environment variable ignored: no "+name+" command or injector reads it",
			zap.Strings("names", o.strayEnv))
	default:
		log.Warn("unknown environment variables ignored: no "+name+" command or injector reads them",
			zap.Strings("names", o.strayEnv))
	}
}
