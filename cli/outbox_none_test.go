package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// An outbox command given the outbox "none" has no outbox to work on: it
// exits 2 naming where "none" was given (the flag, the environment
// variable, the config file's line), and sends nothing.
func TestOutboxCommandsOnNoneNameItsSource(t *testing.T) {
	conf := writeFile(t, "on.yaml", "log_level: error\noutbox: none\n")
	const none = `invalid outbox "none"`
	tests := []refusal{
		{"list, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"list"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"list, flag", nil, []string{"list", "--outbox", "none"}, none + " (--outbox): no outbox to work on"},
		{"flush, config file", nil, []string{"flush", "--config", conf}, none + " (config file " + conf + ":2): no outbox to work on"},
		{"flush, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"flush"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"drop, config file", nil, []string{"drop", "1", "--config", conf}, none + " (config file " + conf + ":2): no outbox to work on"},
		{"drop, env", map[string]string{"INJECTKIT_OUTBOX": "none"}, []string{"drop", "1"}, none + " (env INJECTKIT_OUTBOX): no outbox to work on"},
		{"retry-dead, flag", nil, []string{"retry-dead", "1", "--outbox", "none"}, none + " (--outbox): no outbox to work on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := testkit.NewBackend(t)
			args := append([]string{"outbox"}, tt.args...)
			if tt.args[0] == "flush" || tt.args[0] == "retry-dead" {
				args = append(args, "--backend-url", backend.URL, "--token", "tok")
			}
			r := run(t, registry(), tt.env, args...)
			checkRefused(t, r, tt.want)
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}
