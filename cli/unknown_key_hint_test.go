package cli_test

import (
	"strings"
	"testing"
)

// A misspelled param key or inject file field is answered with the
// closest known one, as a misspelled flag, config key or environment
// variable is (--param timming=3 listed the known params, and no more;
// an inject file's "timout" its known fields): from every intake, exit
// 2, nothing run.
func TestUnknownParamOrFieldSuggestsTheClosest(t *testing.T) {
	target := `{"injector": "noop", "targets": [{"value": "127.0.0.1"}]`
	tests := []refusal{
		{"--param", nil, []string{"--target", "127.0.0.1", "--param", "outcom=failed"},
			`invalid param "outcom" (value withheld) (--param): unknown parameter (known: delay, outcome): did you mean outcome?`},
		{"env", map[string]string{"INJECTKIT_PARAM": "dealy=1s"}, []string{"--target", "127.0.0.1"},
			`(env INJECTKIT_PARAM): unknown parameter (known: delay, outcome): did you mean delay?`},
		{"config file", nil, []string{"--target", "127.0.0.1", "--config", "CONF:param: [outcme=failed]\n"},
			`unknown parameter (known: delay, outcome): did you mean outcome?`},
		{"inject file param", nil, []string{"--inject-file", "FILE:" + target + `, "params": {"outcom": "failed"}}`},
			`:1:70: invalid params.outcom (value withheld): unknown parameter (known: delay, outcome): did you mean outcome?`},
		{"inject file field", nil, []string{"--inject-file", "FILE:" + target + `, "timout": "5m"}`},
			`:1:59: invalid timout: unknown field (known: expectation_types, inject_id, injector, params, phase, targets, timeout): did you mean timeout?`},
		{"inject file target field", nil, []string{"--inject-file", "FILE:" + `{"injector": "noop", "targets": [{"vaule": "127.0.0.1"}]}`},
			`invalid targets[0].vaule: unknown field (known: agent, asset, asset_group, cloud_account_id, cloud_provider, cloud_region, ` +
				`query, target_hostname, target_ipv4, target_ipv6, target_service, value): did you mean value?`},
		// Nothing close: the list alone.
		{"nothing close", nil, []string{"--target", "127.0.0.1", "--param", "colour=red"},
			`invalid param "colour" (value withheld) (--param): unknown parameter (known: delay, outcome)` + "\n"},
	}
	for i, tt := range tests {
		for j, a := range tt.args {
			for _, kind := range []string{"CONF:", "FILE:"} {
				if body, ok := strings.CutPrefix(a, kind); ok {
					tests[i].args[j] = writeFile(t, "f.txt", body)
				}
			}
		}
	}
	wantRefused(t, registry(), nil, []string{"noop"}, "", tests)
}
