package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev"
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
