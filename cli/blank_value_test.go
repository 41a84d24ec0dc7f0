package cli_test

import (
	"testing"
)

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
