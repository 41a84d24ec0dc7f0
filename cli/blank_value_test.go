package cli_test

import (
	"testing"
)

// A setting given blank, by a flag, white space in the environment or
// the config file, is refused, exit 2, naming the key and where it was
// given, for every key whose value has a type of its own (a duration, an
// enum, a log level, a platform version), as a blank --timeout is: never read
// as unset. An empty environment variable is unset.
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
