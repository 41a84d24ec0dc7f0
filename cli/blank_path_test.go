package cli_test

import (
	"os"
	"strings"
	"testing"
)

// A file setting given white space alone is refused (exit 2) naming the
// setting, the value and where it was given, as a blank inject id is:
// no file named " " is created (an outbox) or looked for, by any command.
func TestBlankFilePathRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // where a relative " " would be created
	conf := writeFile(t, "c.yaml", "outbox: \" \"\n")
	target := []string{"run", "noop", "--target", "127.0.0.1", "--log-level", "error"}
	serve := []string{"serve", "--openaev-url", "http://127.0.0.1:1", "--token", "abcdefgh12",
		"--injector-id", "00000000-0000-4000-8000-000000000001", "--injectors", "noop", "--listen-addr", ""}
	backend := []string{"--backend-url", "https://127.0.0.1:1", "--inject-id", "inj-blank", "--token", "abcdefgh12"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"run --outbox", nil, append(target, "--outbox", " "), `invalid outbox " " (--outbox): must not be blank`},
		{"run --outbox with a backend", nil, append(append(target, backend...), "--outbox", "\t"), `invalid outbox "\t" (--outbox): must not be blank`},
		{"env INJECTKIT_OUTBOX", map[string]string{"INJECTKIT_OUTBOX": " "}, target, `invalid outbox " " (env INJECTKIT_OUTBOX): must not be blank`},
		{"config outbox", nil, append(target, "--config", conf), `invalid outbox " " (config file ` + conf + `:1): must not be blank`},
		{"outbox list", nil, []string{"outbox", "list", "--outbox", " "}, `invalid outbox " " (--outbox): must not be blank`},
		{"outbox flush", nil, append([]string{"outbox", "flush", "--outbox", " "}, backend[:2]...), `invalid outbox " " (--outbox): must not be blank`},
		{"serve --outbox", nil, append(serve, "--outbox", " "), `invalid outbox " " (--outbox): must not be blank`},
		{"--targets-file", nil, []string{"validate", "noop", "--targets-file", " "}, `invalid targets_file " " (--targets-file): must not be blank`},
		{"--inject-file", nil, []string{"validate", "noop", "--inject-file", " "}, `invalid inject_file " " (--inject-file): must not be blank`},
		{"--config", nil, append(target, "--config", " "), `invalid config " " (--config): must not be blank`},
		{"env INJECTKIT_CONFIG", map[string]string{"INJECTKIT_CONFIG": " "}, target, `invalid config " " (env INJECTKIT_CONFIG): must not be blank`},
		{"--openaev-message", nil, []string{"run", "--openaev-message", " "}, `invalid openaev_message " " (--openaev-message): must not be blank`},
		{"run --ca-file", nil, append(append(target, backend...), "--ca-file", " "), `invalid ca_file " " (--ca-file): must not be blank`},
		{"serve --icon-file", nil, append(serve, "--icon-file", " "), `invalid icon_file " " (--icon-file): must not be blank`},
		{"serve --broker-key-file", nil, append(serve, "--broker-key-file", " "), `invalid broker_key_file " " (--broker-key-file): must not be blank`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("%s created %q", tt.name, entries[0].Name())
				for _, e := range entries {
					os.RemoveAll(e.Name())
				}
			}
		})
	}
}
