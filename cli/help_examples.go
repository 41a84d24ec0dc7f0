package cli

import (
	"reflect"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
)

// referenceInjectors are the names injectors/builtin registers (a test
// checks them against builtin.Names): a binary that serves an injector of
// its own beside them shows its own in its help's examples.
var referenceInjectors = []string{"cloudscan", "nmap", "noop", "query"}

// injectorExamples are the injectors, targets and params the help's
// examples name: injectkit's reference injectors, or the binary's own.
type injectorExamples struct {
	run      string // an injector and one target
	runMore  string // an injector and two targets
	params   string // an injector, a target and params
	validate string // the same to validate
	show     string // an injector to show
	settings string // an injector with settings, "" for none
	// runSet and paramsSet give the required settings of run's injector
	// and of params' (see requiredSettings).
	runSet, paramsSet exampleSettings
	// injectorID is serve's --injector-id.
	injectorID string
	// served is the value of serve's --injectors its help shows.
	served string
}

// exampleInjectors returns the examples of reg's injectors: injectkit's
// when reg serves no injector of its own, else the first of its own
// without required params (one with params, one with settings, when there
// are); an injector's required params are given (placeholder), so that
// each example runs when each has an example value.
func exampleInjectors(set *injectorSet) injectorExamples {
	ex := injectorExamples{
		run:        "noop --target 127.0.0.1",
		runMore:    "noop --target 127.0.0.1 --target localhost",
		params:     "nmap --target 127.0.0.1 --param ports=22,80 --param service_detection=true",
		validate:   "nmap --target 127.0.0.1 --param ports=22,80",
		show:       "nmap",
		settings:   "query",
		injectorID: "5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10",
		served:     "nmap,query",
	}
	var own []framework.Manifest
	for _, m := range set.manifests() {
		if !slices.Contains(referenceInjectors, m.Name) {
			own = append(own, m)
		}
	}
	if len(own) == 0 {
		return ex
	}
	// An injector the examples can run as they are: one without required
	// params or settings, else one given them (requiredParams,
	// requiredSettings).
	easy := func(m framework.Manifest) bool {
		return requiredParams(m) == "" && requiredSettings(m) == exampleSettings{}
	}
	first := own[0]
	if i := slices.IndexFunc(own, easy); i >= 0 {
		first = own[i]
	}
	withParams := first // one with a param to show, preferably easy
	if i := slices.IndexFunc(own, func(m framework.Manifest) bool { return easy(m) && exampleParam(m) != "" }); i >= 0 {
		withParams = own[i]
	} else if i := slices.IndexFunc(own, func(m framework.Manifest) bool { return exampleParam(m) != "" }); i >= 0 {
		withParams = own[i]
	}
	one, two := exampleTargets(first.Category)
	paramTargets, _ := exampleTargets(withParams.Category)
	join := func(parts ...string) string { return strings.Join(strings.Fields(strings.Join(parts, " ")), " ") }
	ex = injectorExamples{
		run:        join(first.Name, one, requiredParams(first)),
		runMore:    join(first.Name, two, requiredParams(first)),
		params:     join(withParams.Name, paramTargets, requiredParams(withParams), exampleParam(withParams)),
		show:       first.Name,
		injectorID: `"$INJECTOR_ID"`,
		runSet:     requiredSettings(first),
		paramsSet:  requiredSettings(withParams),
		served:     strings.Join(manifestNames(own[:min(2, len(own))]), ","),
	}
	ex.validate = ex.params
	if i := slices.IndexFunc(own, func(m framework.Manifest) bool { return len(m.Settings) > 0 }); i >= 0 {
		ex.settings = own[i].Name
	}
	return ex
}

// exampleTargets returns the flags that give an injector of category c one
// target, and two.
func exampleTargets(c framework.Category) (one, two string) {
	switch c {
	case framework.Cloud:
		one = "--cloud-provider aws --cloud-account 123456789012 --cloud-region eu-west-1"
		return one, one + " --cloud-region us-east-1"
	case framework.External:
		return "--query apache", "--query apache --query nginx"
	}
	return "--target 127.0.0.1", "--target 127.0.0.1 --target localhost"
}

// exampleParam returns a --param flag of m's first param that is not
// required and has a default (its default as the value), "" when none has
// one.
func exampleParam(m framework.Manifest) string {
	for _, p := range m.Params {
		if !p.Required && p.Default != "" && !strings.ContainsAny(p.Default, " \t\"'$`\\") {
			return "--param " + p.Name + "=" + p.Default
		}
	}
	return ""
}

// requiredParams returns the --param flags of m's required params, each
// with a value of its type (a placeholder for a string), "" when it has
// none.
func requiredParams(m framework.Manifest) string {
	var flags []string
	for _, p := range m.Params {
		if p.Required {
			flags = append(flags, "--param "+p.Name+"="+placeholder(p))
		}
	}
	return strings.Join(flags, " ")
}

// exampleSettings are the required settings of an injector an example
// runs: env, "VAR=VALUE " for each one that has an environment variable
// (its key in capitals, a placeholder to replace), and set, "NAME.KEY"
// for each other one, which only the config file gives.
type exampleSettings struct{ env, set string }

// requiredSettings returns the required settings of m, for its examples.
func requiredSettings(m framework.Manifest) exampleSettings {
	var env, set []string
	for _, st := range m.Settings {
		switch {
		case !st.Required:
		case st.Env != "":
			env = append(env, st.Env+"="+strings.ToUpper(st.Key)+" ")
		default:
			set = append(set, m.Name+"."+st.Key)
		}
	}
	return exampleSettings{strings.Join(env, ""), strings.Join(set, ", ")}
}

// line is the example command cmd run with the required settings es (the
// variables before it; the others said in its comment), then comment
// ("" for none).
func (es exampleSettings) line(cmd, comment string) string {
	if es.set != "" {
		comment = strings.TrimPrefix(comment+"; ", "; ") + "with " + es.set + " set in the config file"
	}
	if comment != "" {
		comment = "   # " + comment
	}
	return es.env + cmd + comment
}

// placeholder is a value of p's type for an example: its example
// (`param:"example=v"`) or its default when it has one that needs no
// quoting, else the first of its enum, true, 1s, or, for a string or an
// int, its name in capitals: a placeholder to replace (no int is a value
// every injector takes).
func placeholder(p framework.Param) string {
	for _, v := range []string{p.Example, p.Default} {
		if v != "" && !strings.ContainsAny(v, " \t\"'$`\\") {
			return v
		}
	}
	switch {
	case len(p.Enum) > 0:
		return p.Enum[0]
	case p.Type == framework.ParamBool:
		return "true"
	case p.Type == framework.ParamDuration:
		return "1s"
	}
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(p.Name))
}

// examples are the EXAMPLES section of each command's help, by the command
// as typed after the binary's name ("" for the application itself), naming
// the injectors of ex. "injectkit" is replaced by the binary's name.
func examples(ex injectorExamples, path string) []string {
	switch path {
	case "":
		return []string{
			ex.runSet.line("injectkit run "+ex.run, ""),
			"injectkit injectors " + ex.show,
			"injectkit validate --inject-file inject.json",
			"source <(injectkit completion bash)",
		}
	case "run":
		return []string{
			ex.runSet.line("injectkit run "+ex.runMore, ""),
			ex.paramsSet.line("injectkit run "+ex.params, ""),
			"injectkit run --inject-file inject.json --backend-url https://backend.example.com   # the token from INJECTKIT_TOKEN, not --token, which ps shows",
			ex.runSet.line("injectkit run "+ex.run+" --profile openaev", "prints the platform's calls"),
		}
	case "validate":
		return []string{
			"injectkit validate --inject-file inject.json",
			ex.paramsSet.line("injectkit validate "+ex.validate, ""),
			"injectkit validate --config run.yaml --inject-file inject.json && injectkit run --config run.yaml --inject-file inject.json",
		}
	case "serve":
		return []string{
			"injectkit serve --openaev-url https://openaev.example.com --injector-id " + ex.injectorID + "   # the token from INJECTKIT_TOKEN, not --token, which ps shows",
			"injectkit serve --config /etc/injectkit/serve.yaml",
		}
	case "injectors":
		out := []string{"injectkit injectors", "injectkit injectors " + ex.show}
		if ex.settings != "" {
			out = append(out, "injectkit injectors "+ex.settings+" --config run.yaml   # the settings' values from the file")
		}
		return append(out, "injectkit injectors -o json")
	case "outbox":
		return []string{"injectkit outbox list", "injectkit outbox flush --backend-url https://backend.example.com   # the token from INJECTKIT_TOKEN, not --token, which ps shows",
			"injectkit outbox retry-dead 7 --backend-url https://backend.example.com   # the token from INJECTKIT_TOKEN, not --token, which ps shows"}
	case "outbox list":
		return []string{"injectkit outbox list", "injectkit outbox list -o json", "injectkit outbox list --outbox /var/lib/injectkit/outbox.db"}
	case "outbox flush":
		return []string{"injectkit outbox flush --backend-url https://backend.example.com   # the token from INJECTKIT_TOKEN, not --token, which ps shows",
			"injectkit outbox flush --outbox /var/lib/injectkit/outbox.db --backend-url https://backend.example.com"}
	case "outbox drop":
		return []string{"injectkit outbox drop 7"}
	case "outbox compact":
		return []string{"injectkit outbox compact", "injectkit outbox compact --outbox /var/lib/injectkit/outbox.db"}
	case "outbox move":
		return []string{"injectkit outbox move --from http://backend.example.com --to https://backend.example.com"}
	case "outbox retry-dead":
		return []string{"injectkit outbox retry-dead 7 --backend-url https://backend.example.com   # the token from INJECTKIT_TOKEN, not --token, which ps shows"}
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

// injectorsUsage is the help of --injectors: the field's, its example and
// default said of the injectors registered (a binary serving its own alone
// has no nmap, query nor noop), and the injectors known.
func injectorsUsage(o Options) string {
	known := manifestNames(o.injectors().manifests())
	for _, f := range fieldsOf(reflect.TypeFor[serveConfig]()) {
		if f.key == "injectors" {
			u := strings.Replace(f.usage, "e.g. nmap,query", "e.g. "+exampleInjectors(o.injectors()).served, 1)
			if !slices.ContainsFunc(known, openaev.IsOptIn) {
				u = strings.Replace(u, " but noop, which is served only when named", "", 1)
			}
			return u + " (known: " + strings.Join(known, ", ") + ")"
		}
	}
	return ""
}
