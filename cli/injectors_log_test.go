package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInjectorsFollowsLogSettings checks that `injectors` writes the WARN
// about an unknown environment variable as the log settings say, from a
// flag, the environment or a config file alike: none at level error, a
// JSON line with the json format.
func TestInjectorsFollowsLogSettings(t *testing.T) {
	stray := map[string]string{"INJECTKIT_VERSION": "1"}
	with := func(extra map[string]string) map[string]string {
		env := map[string]string{}
		for k, v := range stray {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return env
	}
	errorFile := writeFile(t, "le.yaml", "log_format: json\nlog_level: error\n")
	jsonFile := writeFile(t, "lj.yaml", "log_format: json\n")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		warn bool // whether a WARN line is written (as JSON)
	}{
		{"level error from the environment", with(map[string]string{"INJECTKIT_LOG_LEVEL": "error", "INJECTKIT_LOG_FORMAT": "json"}),
			[]string{"injectors", "-o", "json"}, false},
		{"level error from the config file", stray, []string{"injectors", "--config", errorFile}, false},
		{"level error as a flag", stray, []string{"injectors", "--log-level", "error"}, false},
		{"json from the environment", with(map[string]string{"INJECTKIT_LOG_FORMAT": "json"}), []string{"injectors", "noop"}, true},
		{"json from the config file", stray, []string{"injectors", "--config", jsonFile}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != 0 || r.stdout == "" {
				t.Fatalf("exit %d, want 0 with a listing:\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if !tt.warn {
				if r.stderr != "" {
					t.Errorf("want nothing on stderr at level error, got:\n%s", r.stderr)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			var entry struct {
				Level string   `json:"level"`
				Msg   string   `json:"msg"`
				Names []string `json:"names"`
			}
			if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &entry) != nil {
				t.Fatalf("want one JSON log line, got:\n%s", r.stderr)
			}
			if entry.Level != "warn" || !strings.Contains(entry.Msg, "unknown environment variable ignored") ||
				len(entry.Names) != 1 || entry.Names[0] != "INJECTKIT_VERSION" {
				t.Errorf("want the WARN naming INJECTKIT_VERSION, got %+v", entry)
			}
		})
	}
}
