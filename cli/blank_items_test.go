package cli_test

import "testing"

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
