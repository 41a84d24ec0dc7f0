package cli_test

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A duration that rounds to 0s is refused (exit 2, nothing sent) naming
// the setting, where it was given and the value, with advice that holds
// for that setting: "write 0 for none" only where 0 is taken (noop's
// delay, outbox_lock_timeout); where 0 is refused (timeout,
// shutdown_timeout, an inject file's timeout), how to get the default.
func TestDurationRoundingToZeroAdvice(t *testing.T) {
	conf := writeFile(t, "to.yaml", "timeout: 1e-10\n")
	inject := writeFile(t, "inject.json", `{"timeout": 1e-10}`)
	const rounds = "rounds to 0s: the shortest duration is 1ns"
	const none, leave = " (write 0 for none)", " (leave the setting out for the default)"
	uuid := "00000000-0000-4000-8000-000000000000"
	tests := []refusal{
		{"run --timeout", nil, []string{"run", "noop", "--timeout", "1e-10"}, `invalid timeout "1e-10" (--timeout): ` + rounds + leave},
		{"validate --timeout", nil, []string{"validate", "noop", "--timeout", "1e-10"}, `invalid timeout "1e-10" (--timeout): ` + rounds + leave},
		{"env timeout", map[string]string{"INJECTKIT_TIMEOUT": "0.1ns"}, []string{"run", "noop"},
			`invalid timeout "0.1ns" (env INJECTKIT_TIMEOUT): ` + rounds + leave},
		{"config file timeout", nil, []string{"run", "noop", "--config", conf}, `invalid timeout "1e-10" (config file ` + conf + `:1): ` + rounds + leave},
		{"inject file timeout", nil, []string{"run", "noop", "--inject-file", inject},
			`inject file ` + inject + `:1:13: invalid timeout "1e-10": ` + rounds + " (leave the field out for the default)"},
		{"serve --shutdown-timeout", nil, []string{"serve", "--shutdown-timeout", "1e-10", "--token", "tok", "--injector-id", uuid, "--listen-addr", ""},
			`invalid shutdown_timeout "1e-10" (--shutdown-timeout): ` + rounds + leave},
		{"noop's delay", nil, []string{"run", "noop", "--param", "delay=1e-10"}, `invalid param "delay=1e-10" (--param): ` + rounds + none},
		{"outbox_lock_timeout", map[string]string{"INJECTKIT_OUTBOX_LOCK_TIMEOUT": "1e-10"}, []string{"run", "noop"},
			`invalid outbox_lock_timeout "1e-10" (env INJECTKIT_OUTBOX_LOCK_TIMEOUT): ` + rounds + none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			backend := testkit.NewBackend(t)
			args := append([]string{}, tt.args...)
			switch args[0] {
			case "serve":
				args = append(args, "--openaev-url", backend.URL)
			default:
				args = append(args, "--target", "127.0.0.1", "--backend-url", backend.URL, "--token", "tok", "--inject-id", "inj-1", "--outbox", "none")
			}
			r := run(t, registry(), tt.env, append(args, "--log-level", "error")...)
			checkRefused(t, r, tt.want)
			if n := backend.Len(); n != 0 {
				t.Errorf("%d requests reached the backend", n)
			}
		})
	}
}
