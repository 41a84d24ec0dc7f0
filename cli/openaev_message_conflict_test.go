package cli_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// A field of the inject given beside --openaev-message, whose message
// gives the inject, is refused (exit 2, nothing sent or stored) naming it
// as the user gave it: the flag, the environment variable or the config
// file's line, its value (a URL masked, a target that reads as none not
// shown), and how to drop it there; never a flag the user did not give.
func TestRunOpenAEVMessageConflictNamesItsSource(t *testing.T) {
	msg := contractMessage(t, openaev.ContractID("noop"))
	targets := writeFile(t, "hosts.txt", "10.9.9.9\n")
	inject := writeFile(t, "inject.json", `{"injector":"noop"}`)
	conf := writeFile(t, "tm.yaml", "log_level: error\ntarget: [10.9.9.9]\n")
	msgConf := writeFile(t, "m.yaml", "openaev_message: "+msg+"\nprofile: callback\n")
	const takes = ": --openaev-message takes the inject from the message; "
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"--target", nil, []string{"--target", "10.9.9.9"}, `invalid target "10.9.9.9" (--target)` + takes + "drop --target"},
		{"env target", map[string]string{"INJECTKIT_TARGET": "10.9.9.9"}, nil,
			`invalid target "10.9.9.9" (env INJECTKIT_TARGET)` + takes + "unset INJECTKIT_TARGET"},
		{"env target not shown", map[string]string{"INJECTKIT_TARGET": "TOKEN=S3cr3t"}, nil,
			`invalid target (not shown) (env INJECTKIT_TARGET)` + takes + "unset INJECTKIT_TARGET"},
		{"config file target", nil, []string{"--config", conf},
			`invalid target "10.9.9.9" (config file ` + conf + `:2)` + takes + "remove it from config file " + conf + ":2"},
		{"env inject id", map[string]string{"INJECTKIT_INJECT_ID": "inj-9"}, nil,
			`invalid inject_id "inj-9" (env INJECTKIT_INJECT_ID)` + takes + "unset INJECTKIT_INJECT_ID"},
		{"env expectation", map[string]string{"INJECTKIT_EXPECTATION": "PREVENTION"}, nil,
			`invalid expectation "PREVENTION" (env INJECTKIT_EXPECTATION)` + takes + "unset INJECTKIT_EXPECTATION"},
		{"env param with a URL", map[string]string{"INJECTKIT_PARAM": "url=http://u:S3cr3t@h/"}, nil,
			`invalid param "url=http://REDACTED@h/" (env INJECTKIT_PARAM)` + takes + "unset INJECTKIT_PARAM"},
		{"env inject file", map[string]string{"INJECTKIT_INJECT_FILE": inject}, nil,
			`invalid inject_file "` + inject + `" (env INJECTKIT_INJECT_FILE)` + takes + "unset INJECTKIT_INJECT_FILE"},
		{"env query", map[string]string{"INJECTKIT_QUERY": "port:22"}, nil,
			`invalid query "port:22" (env INJECTKIT_QUERY)` + takes + "unset INJECTKIT_QUERY"},
		{"env cloud region", map[string]string{"INJECTKIT_CLOUD_REGION": "eu-west-1"}, nil,
			`invalid cloud_region "eu-west-1" (env INJECTKIT_CLOUD_REGION)` + takes + "unset INJECTKIT_CLOUD_REGION"},
		{"env targets file", map[string]string{"INJECTKIT_TARGETS_FILE": targets}, nil,
			`invalid targets_file "` + targets + `" (env INJECTKIT_TARGETS_FILE)` + takes + "unset INJECTKIT_TARGETS_FILE"},
		{"message and profile in the config file", nil, []string{"--config", msgConf},
			`invalid profile "callback" (config file ` + msgConf + `:2): openaev_message (config file ` + msgConf +
				`:1) runs with the openaev profile, the platform's own calls; remove it from config file ` + msgConf + ":2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := testkit.NewBackend(t)
			ob := filepath.Join(t.TempDir(), "outbox.db")
			args := []string{"run", "--backend-url", backend.URL, "--token", "tok", "--outbox", ob, "--log-level", "error"}
			if !strings.Contains(tt.name, "message and profile") {
				args = append(args, "--openaev-message", msg)
			}
			r := run(t, registry(), tt.env, append(args, tt.args...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d saying\n%s\ngot:\n%s", r.code, cli.ExitUsage, tt.want, r.stderr)
			}
			if strings.Contains(r.stderr, "S3cr3t") {
				t.Errorf("stderr shows the secret:\n%s", r.stderr)
			}
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the platform: %+v", n, backend.Requests())
			}
			if _, err := os.Stat(ob); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("outbox file: %v, want none", err)
			}
		})
	}
}
