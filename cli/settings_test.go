package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Every message that says where a setting came from says it one way: its
// flag (--profile), its environment variable (env INJECTKIT_PROFILE), or
// its key and its config file's line (profile (config file c.yaml:1)),
// and how to stop giving it there (drop, unset, remove it from).
func TestSettingSourceNamedOneWay(t *testing.T) {
	msg := contractMessage(t, openaev.ContractID("noop"))
	msgConf := writeFile(t, "m.yaml", "openaev_message: "+msg+"\n")
	queryConf := writeFile(t, "q.yaml", "query: [apache]\n")
	phaseConf := writeFile(t, "p.yaml", "phase: bogus\n")
	const runs = " runs with the openaev profile, the platform's own calls; "
	tests := []struct {
		name     string
		injector string
		env      map[string]string
		args     []string
		want     string
	}{
		{"message by flag", "noop", map[string]string{"INJECTKIT_PROFILE": "callback"}, []string{"--openaev-message", msg},
			`invalid profile "callback" (env INJECTKIT_PROFILE): --openaev-message` + runs + "unset INJECTKIT_PROFILE"},
		{"message by env", "noop", map[string]string{"INJECTKIT_OPENAEV_MESSAGE": msg}, []string{"--profile", "callback"},
			`invalid profile "callback" (--profile): env INJECTKIT_OPENAEV_MESSAGE` + runs + "drop --profile"},
		{"message by config file", "noop", nil, []string{"--config", msgConf, "--profile", "callback"},
			`invalid profile "callback" (--profile): openaev_message (config file ` + msgConf + ":1)" + runs + "drop --profile"},
		{"query by env", "nmap", map[string]string{"INJECTKIT_QUERY": "apache"}, []string{"--target", "127.0.0.1"},
			"hint: the targets come from env INJECTKIT_QUERY; give network targets"},
		{"query by config file", "nmap", nil, []string{"--config", queryConf, "--target", "127.0.0.1"},
			"hint: the targets come from query (config file " + queryConf + ":1); give network targets"},
		{"phase by flag", "noop", nil, []string{"--phase", "bogus", "--target", "127.0.0.1"}, `invalid phase "bogus" (--phase)`},
		{"phase by env", "noop", map[string]string{"INJECTKIT_PHASE": "bogus"}, []string{"--target", "127.0.0.1"},
			`invalid phase "bogus" (env INJECTKIT_PHASE)`},
		{"phase by config file", "noop", nil, []string{"--config", phaseConf, "--target", "127.0.0.1"},
			`invalid phase "bogus" (config file ` + phaseConf + ":1)"},
		{"profile by env", "noop", map[string]string{"INJECTKIT_PROFILE": "openaev"}, []string{"--phase-any", "--target", "127.0.0.1"},
			"--phase-any is a setting of the callback profile, and this run uses the openaev profile (env INJECTKIT_PROFILE), which ignores it: drop --phase-any"},
	}
	reg := registry(withNmapScanner)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, reg, tt.env, append([]string{"run", tt.injector, "--log-level", "error"}, tt.args...)...)
			checkRefused(t, r, tt.want)
		})
	}
}

// The settings read in any letter case are each read so, and the README
// says which they are (its sentence "… are read in any letter case")
// naming each one. An expectation type given twice, in one spelling or
// two, from a flag, the environment, the config file or an inject file,
// counts once where it first stands, as the README says too, as a target
// written twice is kept once.
func TestCaseFreeSettingsAsTheREADMESays(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, sentence, ok := strings.Cut(strings.Join(strings.Fields(string(readme)), " "), "The values of `output`")
	if !ok {
		t.Fatal("README.md has no sentence starting `The values of `output``")
	}
	sentence, _, _ = strings.Cut(sentence, "are read in any letter case")
	sentence = "`output`" + sentence
	target := []string{"validate", "noop", "--target", "127.0.0.1"}
	tests := []struct {
		key  string
		args []string
		env  map[string]string
		want string // on stdout
	}{
		{key: "output", args: []string{"--output", "JSON"}, want: `"injector": "noop"`}, // the JSON verdict
		{key: "profile", args: []string{"--profile", "CALLBACK"}, want: "valid: noop"},
		{key: "log_format", args: []string{"--log-format", "Json"}, want: "valid: noop"},
		{key: "log_level", args: []string{"--log-level", "ERROR"}, want: "valid: noop"},
		{key: "expectation", args: []string{"--expectation", "detection", "--expectation", "DETECTION"}, want: "target, DETECTION, timeout"},
		{key: "expectation", env: map[string]string{"INJECTKIT_EXPECTATION": "prevention,detection,PREVENTION"},
			want: "target, PREVENTION, DETECTION, timeout"},
		{key: "expectation", args: []string{"--config", writeFile(t, "e.yaml", "expectation: [DETECTION, detection]\n")}, want: "target, DETECTION, timeout"},
		{key: "expectation", args: []string{"--inject-file", writeFile(t, "e.json", `{"expectation_types":["Prevention","DETECTION","PREVENTION"]}`)},
			want: "target, PREVENTION, DETECTION, timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, registry(), tt.env, append(target, tt.args...)...)
			if r.code != 0 || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d, want 0 saying %q; stdout:\n%s\nstderr:\n%s", r.code, tt.want, r.stdout, r.stderr)
			}
			if !strings.Contains(sentence, "`"+tt.key+"`") {
				t.Errorf("README.md does not name `%s` among the settings read in any letter case: %s", tt.key, sentence)
			}
		})
	}
	for _, says := range []string{"`--expectation detection --expectation DETECTION`", "counts once"} {
		if !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), says) {
			t.Errorf("README.md does not say an expectation type given twice %s", says)
		}
	}
}

// A boolean flag given a value it cannot read is refused (exit 2, nothing
// sent) as the same value from the environment is, the flag named with
// its two dashes: invalid insecure "yes" (--insecure): not a boolean. Other
// usage errors keep their form.
func TestBadBooleanFlagReadsAsTheEnvironments(t *testing.T) {
	tests := []struct {
		name  string
		cmd   []string
		flag  string // the boolean flag, given --flag=value
		value string
	}{
		{"run --insecure", []string{"run", "noop", "--target", "127.0.0.1", "--outbox", "none"}, "insecure", "yes"},
		{"validate --insecure empty", []string{"validate", "noop", "--target", "127.0.0.1"}, "insecure", ""},
		{"run --phase-any with a quote", []string{"run", "noop", "--target", "127.0.0.1", "--outbox", "none"}, "phase-any", `a"b`},
		{"outbox flush --insecure", []string{"outbox", "flush", "--outbox", "none"}, "insecure", "2"},
		{"serve --broker-insecure", []string{"serve", "--token", "tok", "--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", ""},
			"broker-insecure", "no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := transporttest.NewBackend(t)
			url := "--backend-url"
			if tt.cmd[0] == "serve" {
				url = "--openaev-url"
			}
			args := append(append([]string{}, tt.cmd...), url, backend.URL, "--log-level", "error")
			key := strings.ReplaceAll(tt.flag, "-", "_")
			env := run(t, registry(), map[string]string{"INJECTKIT_" + strings.ToUpper(key): tt.value}, args...)
			flag := run(t, registry(), nil, append(args, "--"+tt.flag+"="+tt.value)...)
			fromEnv := strings.Replace(env.stderr, "(env INJECTKIT_"+strings.ToUpper(key)+")", "(--"+tt.flag+")", 1)
			switch {
			case tt.value == "":
				// An empty variable is unset: the flag alone is refused.
				if want := `invalid ` + key + ` "" (--` + tt.flag + `): not a boolean`; flag.code != cli.ExitUsage || !strings.Contains(flag.stderr, want) {
					t.Errorf("flag: exit %d, want %d saying %q:\n%s", flag.code, cli.ExitUsage, want, flag.stderr)
				}
			case env.code != cli.ExitUsage || flag.code != cli.ExitUsage || flag.stderr != fromEnv || !strings.Contains(flag.stderr, "not a boolean"):
				t.Errorf("flag: exit %d, %q\nwant exit %d and the environment's error %q", flag.code, flag.stderr, env.code, fromEnv)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
	r := run(t, registry(), nil, "run", "noop", "--tagret", "127.0.0.1")
	if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "flag provided but not defined: --tagret (see injectkit run --help)") {
		t.Errorf("unknown flag: exit %d:\n%s", r.code, r.stderr)
	}
}

// TestOtherProfileFlagRefused checks that a flag of the profile a run
// does not use, which that profile would ignore, exits 2 before anything
// runs, naming the flag and its profile; from the environment or a config
// file, which runs of both profiles may share, it is ignored.
func TestOtherProfileFlagRefused(t *testing.T) {
	be := newBackend(t, http.StatusAccepted)
	shared := writeFile(t, "shared.yaml", "openaev_version: 2.4.0\nrerun_finished: true\n")
	line := []string{"noop", "--target", "10.0.0.1", "--log-level", "error"}
	phaseFile := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1"}],"phase":"x"}`)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" when it runs
	}{
		{"--phase with the openaev profile", nil, []string{"--profile", "openaev", "--phase", "execution_complete"},
			"--phase is a setting of the callback profile, and this run uses the openaev profile (--profile), which ignores it"},
		{"--phase-any with the openaev profile from env", map[string]string{"INJECTKIT_PROFILE": "openaev"}, []string{"--phase-any"},
			"--phase-any is a setting of the callback profile, and this run uses the openaev profile (env INJECTKIT_PROFILE)"},
		{"--openaev-version with the callback profile", nil, []string{"--openaev-version", "2.4.0"},
			"--openaev-version is a setting of the openaev profile, and this run uses the callback profile (the default)"},
		{"--rerun-finished with the callback profile", nil, []string{"--profile", "callback", "--rerun-finished"},
			"--rerun-finished is a setting of the openaev profile, and this run uses the callback profile (--profile)"},
		{"the callback profile's from env with the openaev profile", map[string]string{"INJECTKIT_PHASE": "execution_complete",
			"INJECTKIT_PHASE_ANY": "true"}, []string{"--profile", "openaev"}, ""},
		{"the openaev profile's from a config file with the callback profile", nil, []string{"--config", shared}, ""},
		{"its own profile's flags", nil, []string{"--profile", "openaev", "--openaev-version", "2.4.0", "--rerun-finished"}, ""},
		// t100: the openaev profile ignores the phase wherever it is
		// given: an inject file's or the environment's undocumented one
		// is neither refused nor hinted at (--phase-any, which it refuses).
		{"an inject file's phase with the openaev profile", nil, []string{"--profile", "openaev", "--inject-file", phaseFile}, ""},
		{"the environment's phase with the openaev profile", map[string]string{"INJECTKIT_PHASE": "x"}, []string{"--profile", "openaev"}, ""},
		{"an inject file's phase with the callback profile", nil, []string{"--inject-file", phaseFile},
			`invalid phase "x": want execution_complete, the phase docs/wire-format.md documents (--phase-any sends any other)`},
	}
	for _, tt := range tests {
		for _, cmd := range []string{"run", "validate"} {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				args := append(append([]string{cmd}, line...), tt.args...)
				if tt.want != "" { // what it would send to, were it not refused
					args = append(args, "--backend-url", be.URL, "--inject-id", "i-1")
				}
				r := run(t, registry(), tt.env, args...)
				checkAcceptedOrRefused(t, r, tt.want)
			})
		}
	}
	if n := len(be.got()); n != 0 {
		t.Errorf("%d requests sent, want none", n) // a refused run sends nothing
	}
}

// A setting given blank, by a flag, white space in the environment or
// the config file, is refused, exit 2, naming the key and where it was
// given, for every key whose value has a type of its own (a duration, an
// enum, a log level, a platform version) and for --phase, as a blank
// --timeout is: never read as unset. An empty environment variable is unset.
func TestBlankValueRefused(t *testing.T) {
	conf := writeFile(t, "c.yaml", "outbox_lock_timeout: ''\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for a run that succeeds
	}{
		{"--outbox-lock-timeout", nil, []string{"run", "noop", "--outbox-lock-timeout", ""}, `invalid outbox_lock_timeout "" (--outbox-lock-timeout): must not be blank`},
		{"outbox_lock_timeout in the file", nil, []string{"run", "noop", "--config", conf}, `invalid outbox_lock_timeout "" (config file ` + conf + `:1): must not be blank`},
		{"outbox list --outbox-lock-timeout", nil, []string{"outbox", "list", "--outbox-lock-timeout", ""}, `invalid outbox_lock_timeout "" (--outbox-lock-timeout): must not be blank`},
		{"--log-level", nil, []string{"run", "noop", "--log-level", ""}, `invalid log_level "" (--log-level): must not be blank`},
		{"INJECTKIT_LOG_LEVEL blank", map[string]string{"INJECTKIT_LOG_LEVEL": " "}, []string{"run", "noop"}, `invalid log_level " " (env INJECTKIT_LOG_LEVEL): must not be blank`},
		{"--log-format", nil, []string{"run", "noop", "--log-format", ""}, `invalid log_format "" (--log-format): must not be blank: want console or json`},
		{"--openaev-version", nil, []string{"run", "noop", "--openaev-version", ""}, `invalid openaev_version "" (--openaev-version): must not be blank`},
		// --phase, a string of no type of its own, is refused blank as
		// --profile and --output are, in the same words.
		{"--phase", nil, []string{"run", "noop", "--phase", ""}, `invalid phase "" (--phase): must not be blank: leave it out for the default`},
		{"--phase white space", nil, []string{"run", "noop", "--phase", " "}, `invalid phase " " (--phase): must not be blank: leave it out for the default`},
		{"INJECTKIT_PHASE blank", map[string]string{"INJECTKIT_PHASE": " "}, []string{"run", "noop"}, `invalid phase " " (env INJECTKIT_PHASE): must not be blank`},
		{"--profile, as before", nil, []string{"run", "noop", "--profile", ""}, `invalid profile "" (--profile): must not be blank: want callback or openaev, or leave it out for the default`},
		{"--timeout, as before", nil, []string{"run", "noop", "--timeout", ""}, `invalid timeout "" (--timeout): must not be blank`},
		{"INJECTKIT_LOG_LEVEL empty: unset", map[string]string{"INJECTKIT_LOG_LEVEL": ""}, []string{"run", "noop"}, ""},
		{"--outbox-lock-timeout 0: no wait", nil, []string{"run", "noop", "--outbox-lock-timeout", "0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args[0] == "run" {
				args = append(args, "--target", "127.0.0.1", "--outbox", "none")
			}
			r := run(t, registry(), tt.env, args...)
			checkAcceptedOrRefused(t, r, tt.want)
		})
	}
}

// An inject id given blank is the default, a fresh UUID, when the
// signatures are printed; with a backend URL, where one is required, the
// refusal names where it was given blank (the inject file's "inject_id"
// included), and one given nowhere says every way to give it.
func TestBlankInjectIDWithBackend(t *testing.T) {
	conf := writeFile(t, "c.yaml", "inject_id: ''\n")
	injectFile := writeFile(t, "i.json", `{"inject_id": "", "targets": [{"value": "127.0.0.1"}]}`)
	tests := []refusal{
		{"config file", nil, []string{"--config", conf}, `invalid inject_id "" (config file ` + conf + `:1): required when a backend URL is set`},
		{"flag", nil, []string{"--inject-id", ""}, `invalid inject_id "" (--inject-id): required when a backend URL is set`},
		{"not given", nil, nil, `no inject id: one is required when a backend URL is set (give --inject-id, INJECTKIT_INJECT_ID, inject_id in the config file or "inject_id" in the inject file)`},
		{"inject file", nil, []string{"--inject-file", injectFile}, `inject file ` + injectFile + `:1:15: invalid inject_id "": required when a backend URL is set`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "noop", "--target", "127.0.0.1", "--outbox", "none",
				"--backend-url", "http://127.0.0.1:9"}, tt.args...)
			r := run(t, registry(), tt.env, args...)
			checkRefused(t, r, tt.want)
		})
	}
}

// A blank expectation or param is refused wherever it is given (the
// flag, an item of its environment variable, the config file's line, the
// inject file's key), never dropped as if it had not been given: a run
// asked for nothing does not run with the default.
func TestBlankExpectationAndParamRefused(t *testing.T) {
	exp := writeFile(t, "exp.yaml", "target: 127.0.0.1\nexpectation: [\"\"]\n")
	param := writeFile(t, "param.yaml", "target: 127.0.0.1\nparam:\n  - outcome=success\n  - \"\"\n")
	noneExp := writeFile(t, "none.yaml", "target: 127.0.0.1\nexpectation: []\n")
	nullExp := writeFile(t, "null.yaml", "target: 127.0.0.1\nexpectation: [DETECTION, null]\n")
	empty := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"127.0.0.1"}],"expectation_types":[]}`)
	target := []string{"--target", "127.0.0.1"}
	wantRefused(t, registry(), nil, []string{"noop"}, "", []refusal{
		{"--expectation empty", nil, append(target, "--expectation", ""), `invalid --expectation "": must not be blank`},
		{"--expectation blank", nil, append(target, "--expectation", " "), `invalid --expectation " ": must not be blank`},
		{"--expectation beside another", nil, append(target, "--expectation", "PREVENTION", "--expectation", ""),
			`invalid --expectation "": must not be blank`},
		{"env expectation inner item", map[string]string{"INJECTKIT_EXPECTATION": "DETECTION,,PREVENTION"}, target,
			`invalid expectation "" (env INJECTKIT_EXPECTATION): must not be blank: give DETECTION, PREVENTION or VULNERABILITY, ` +
				`or leave the setting out for the injector's default (item 2 of "DETECTION,,PREVENTION")`},
		{"config expectation", nil, []string{"--config", exp}, `invalid expectation "" (config file ` + exp + `:2): must not be blank`},
		{"config expectation empty list", nil, []string{"--config", noneExp},
			`invalid expectation "[]" (config file ` + noneExp + `:2): an empty list: give at least one, or leave the key out`},
		{"config expectation null item", nil, []string{"--config", nullExp}, `invalid expectation "" (config file ` + nullExp + `:2): must not be blank`},
		{"inject file empty expectation_types", nil, []string{"--inject-file", empty},
			`inject file ` + empty + `:1:74: invalid expectation_types "[]": an empty list asks for no expectation`},
		{"--param empty", nil, append(target, "--param", ""), `invalid --param "": must not be blank: give key=value`},
		{"env param leading item", map[string]string{"INJECTKIT_PARAM": ",outcome=success"}, target,
			`invalid param "" (env INJECTKIT_PARAM): must not be blank: give key=value (item 1 of ",outcome=success")`},
		{"env param inner item", map[string]string{"INJECTKIT_PARAM": "outcome=success,,delay=1s"}, target,
			`invalid param "" (env INJECTKIT_PARAM): must not be blank: give key=value (item 2 of "outcome=success,,delay=1s")`},
		{"env param trailing item", map[string]string{"INJECTKIT_PARAM": "outcome=success, "}, target,
			`invalid param " " (env INJECTKIT_PARAM): must not be blank: give key=value (item 2 of "outcome=success, ")`},
		{"config param", nil, []string{"--config", param}, `invalid param "" (config file ` + param + `:4): must not be blank`},
	})
}

// A Shodan base URL given but blank (white space in the environment, an
// empty or blank config key) is refused with exit 2 naming the setting
// and where it was given: it never means "the default", which would send
// the key to api.shodan.io. An empty environment variable is unset, as any
// other, and keeps the default. Only `validate` runs here: a regression
// must not reach the real API.
func TestBlankShodanBaseURLIsRefused(t *testing.T) {
	reg := registry(withQuery)
	key := map[string]string{"INJECTKIT_SHODAN_API_KEY": "k"}
	empty := writeFile(t, "empty.yaml", "query:\n  shodan_base_url: ''\n")
	blank := writeFile(t, "blank.yaml", "query:\n  shodan_base_url: ' '\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // "" for exit 0
	}{
		{"env blank", map[string]string{"INJECTKIT_SHODAN_BASE_URL": " "}, nil,
			`invalid query.shodan_base_url " " (env INJECTKIT_SHODAN_BASE_URL): must not be blank`},
		{"env tab", map[string]string{"INJECTKIT_SHODAN_BASE_URL": "\t"}, nil,
			`invalid query.shodan_base_url "\t" (env INJECTKIT_SHODAN_BASE_URL): must not be blank`},
		{"config empty", nil, []string{"--config", empty},
			`invalid query.shodan_base_url "" (config file ` + empty + `:2): must not be blank`},
		{"config blank", nil, []string{"--config", blank},
			`invalid query.shodan_base_url " " (config file ` + blank + `:2): must not be blank`},
		{"env empty is unset", map[string]string{"INJECTKIT_SHODAN_BASE_URL": ""}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for _, m := range []map[string]string{key, tt.env} {
				for k, v := range m {
					env[k] = v
				}
			}
			args := append([]string{"validate", "query", "--query", "apache", "--log-level", "error"}, tt.args...)
			r := run(t, reg, env, args...)
			checkAcceptedOrRefused(t, r, tt.want)
		})
	}
}
