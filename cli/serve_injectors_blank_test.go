package cli_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/internal/testkit"
)

// A blank item of serve's injectors is refused wherever it is given (an
// item of the flag's comma-separated value, of the environment variable,
// of the config file's list, an empty list), as a blank target is: never
// dropped as if it had not been given. The error quotes the item as
// written, names where (the key, then where, whatever the source, as
// serve's other settings), and nothing reaches the platform.
func TestServeBlankInjectorsRefused(t *testing.T) {
	empty := writeFile(t, "empty.yaml", "injectors: [nmap, \"\"]\n")
	null := writeFile(t, "null.yaml", "injectors:\n  - nmap\n  - null\n")
	scalar := writeFile(t, "scalar.yaml", "injectors: \"nmap,\"\n")
	none := writeFile(t, "none.yaml", "injectors: []\n")
	const blank = "must not be blank: give an injector's name, or leave the setting out to serve every injector but noop"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"env inner item", map[string]string{"INJECTKIT_INJECTORS": "nmap,,query"}, nil,
			`invalid injectors "" (env INJECTKIT_INJECTORS): ` + blank + ` (item 2 of "nmap,,query")`},
		{"flag trailing comma", nil, []string{"--injectors", "nmap,"}, `invalid injectors "" (--injectors): ` + blank + ` (item 2 of "nmap,")`},
		{"flag blank", nil, []string{"--injectors", " "}, `invalid injectors " " (--injectors): ` + blank},
		{"flag repeated, one empty", nil, []string{"--injectors", "nmap", "--injectors", ""}, `invalid injectors "" (--injectors): ` + blank},
		{"config empty item", nil, []string{"--config", empty}, `invalid injectors "" (config file ` + empty + `:1): ` + blank + ` (item 2 of ["nmap", ""])`},
		{"config null item", nil, []string{"--config", null}, `invalid injectors "" (config file ` + null + `:3): ` + blank + ` (item 2 of ["nmap", ""])`},
		{"config scalar trailing comma", nil, []string{"--config", scalar},
			`invalid injectors "" (config file ` + scalar + `:1): ` + blank + ` (item 2 of "nmap,")`},
		{"config empty list", nil, []string{"--config", none},
			`invalid injectors "[]" (config file ` + none + `:1): an empty list: give at least one, or leave the key out`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			platform := testkit.NewBackend(t)
			args := append([]string{"serve", "--openaev-url", platform.URL, "--token", "tok",
				"--injector-id", "00000000-0000-4000-8000-000000000000", "--listen-addr", "", "--log-level", "error"}, tt.args...)
			r := run(t, registry(), tt.env, args...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want %d saying\n%s\ngot:\n%s", r.code, cli.ExitUsage, tt.want, r.stderr)
			}
			if n := platform.Len(); n != 0 {
				t.Errorf("%d requests reached the platform", n)
			}
		})
	}
}
