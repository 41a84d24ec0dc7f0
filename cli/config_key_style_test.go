package cli_test

import "testing"

// A config file's key written in another case or style than a setting's
// of the command (serve's openaev_url, run's backend_url) is told the
// setting's name, as an injector's setting is, not asked whether the file
// is a YAML config file; its value is never shown.
func TestConfigKeyInAnotherStyleNamesTheSetting(t *testing.T) {
	tests := []struct {
		cmd, yaml, want string
	}{
		{"serve", "openaevUrl: http://127.0.0.1:1\n", "unknown key openaevUrl (line 1; keys are written exactly, case and separators included: write openaev_url)"},
		{"serve", "QUERY:\n  shodan_api_key: k3y\n", "unknown key QUERY (line 1; keys are written exactly, case and separators included: write query)"},
		{"run", "Backend-URL: http://127.0.0.1:1\n", "unknown key Backend-URL (line 1; keys are written exactly, case and separators included: write backend_url)"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+" "+tt.yaml, func(t *testing.T) {
			path := writeFile(t, "c.yaml", tt.yaml)
			r := run(t, registry(withQuery), nil, tt.cmd, "--config", path)
			checkRefused(t, r, tt.want)
			checkSays(t, "stderr", r.stderr, nil, []string{"is it a YAML config file", "127.0.0.1", "k3y"})
		})
	}
}
