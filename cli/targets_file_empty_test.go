package cli_test

import (
	"strings"
	"testing"
)

// A targets file that holds no target was refused alone, but beside an
// inject file's targets it was passed over: the run acted on the inject
// file's targets, which a targets file, from whatever layer, replaces
// (README, "The configuration overrides the inject file field by
// field"): a hosts list generated empty scanned the hosts it was meant to
// replace. It is refused the same way wherever it was given, nothing run
// nor sent; a --target beside it still gives the run its targets.
func TestEmptyTargetsFileBesideAnInjectFileIsRefused(t *testing.T) {
	empty := writeFile(t, "hosts.txt", "# generated: no host today\n\n")
	inject := writeFile(t, "inject.json", `{"inject_id":"tf-1","targets":[{"value":"127.0.0.2"}]}`)
	conf := writeFile(t, "c.yaml", "targets_file: "+empty+"\n")
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		where string // "" when the run goes on
	}{
		{"flag", []string{"--targets-file", empty}, nil, "(--targets-file)"},
		{"environment", nil, map[string]string{"INJECTKIT_TARGETS_FILE": empty}, "(env INJECTKIT_TARGETS_FILE)"},
		{"config file", []string{"--config", conf}, nil, "(config file " + conf + ":1)"},
		{"beside a --target", []string{"--targets-file", empty, "--target", "127.0.0.3"}, nil, ""},
	}
	for _, cmd := range []string{"run", "validate"} {
		for _, tt := range tests {
			t.Run(cmd+" "+tt.name, func(t *testing.T) {
				be := newBackend(t, 200)
				args := append([]string{cmd, "noop", "--inject-file", inject, "--backend-url", be.URL, "--outbox", "none"}, tt.args...)
				r := run(t, registry(), tt.env, args...)
				if tt.where == "" {
					if r.code != 0 {
						t.Fatalf("exit %d:\n%s", r.code, r.stderr)
					}
					return
				}
				want := `invalid targets_file "` + empty + `" ` + tt.where + `: holds no target (only blank lines and # comments)`
				if r.code != 2 || !strings.Contains(r.stderr, want) {
					t.Errorf("exit %d, stderr:\n%s\nwant exit 2 saying %q", r.code, r.stderr, want)
				}
				if n := len(be.got()); n != 0 {
					t.Errorf("%d bodies sent, want none", n)
				}
			})
		}
	}
}
