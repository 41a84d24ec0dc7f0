package cli_test

import (
	"strings"
	"testing"
)

// A usage error quoting the command's positional words goes through the
// redaction of every other error: the token (--token or INJECTKIT_TOKEN)
// or an injector's Secret setting pasted as a word is shown [REDACTED],
// the other words as written.
func TestArgsErrorRedactsSecrets(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"run, --token", nil, []string{"run", "noop", "--token=" + tok, tok}, `run takes one injector name, got "noop [REDACTED]"`},
		{"validate, env token", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"validate", "noop", tok}, `validate takes one injector name, got "noop [REDACTED]"`},
		{"run, Secret setting", map[string]string{"LEAKY_SECRET": tok}, []string{"run", "leaky", tok}, `run takes one injector name, got "leaky [REDACTED]"`},
		{"injectors", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"injectors", "noop", tok}, `injectors takes at most one injector name, got "noop [REDACTED]"`},
		{"version", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"version", tok}, `version takes no arguments, got "[REDACTED]"`},
		{"serve", nil, []string{"serve", "--token", tok, tok}, `serve takes no arguments, got "[REDACTED]"`},
		{"completion", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"completion", "bash", tok}, `completion takes one shell, bash, zsh or fish, got "bash [REDACTED]"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withLeaky("")), tt.env, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, tt.want)
			}
			if strings.Contains(r.stdout+r.stderr, "S3cr3t") {
				t.Errorf("shows the secret:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}
