package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A usage error quoting the command's positional words goes through the
// redaction of every other error: the token (--token or INJECTKIT_TOKEN)
// or an injector's Secret setting pasted as a word is shown [REDACTED],
// the other words as written.
func TestArgsErrorRedactsSecrets(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	tests := []redactedRefusal{
		{"run, --token", nil, []string{"run", "noop", "--token=" + tok, tok}, `run takes one injector name, got "noop [REDACTED]"`},
		{"validate, env token", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"validate", "noop", tok}, `validate takes one injector name, got "noop [REDACTED]"`},
		{"run, Secret setting", map[string]string{"LEAKY_SECRET": tok}, []string{"run", "leaky", tok}, `run takes one injector name, got "leaky [REDACTED]"`},
		{"injectors", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"injectors", "noop", tok}, `injectors takes at most one injector name, got "noop [REDACTED]"`},
		{"version", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"version", tok}, `version takes no arguments, got "[REDACTED]"`},
		{"serve", nil, []string{"serve", "--token", tok, tok}, `serve takes no arguments, got "[REDACTED]"`},
		{"completion", map[string]string{"INJECTKIT_TOKEN": tok}, []string{"completion", "bash", tok}, `completion takes one shell, bash, zsh or fish, got "bash [REDACTED]"`},
	}
	checkRedactedRefusals(t, tests)
}

// The redaction of a command's words holds for every command, the
// outbox's included, and for every source of a secret: --token,
// INJECTKIT_TOKEN, the config file's token key and its Secret settings
// (by --config or INJECTKIT_CONFIG).
func TestWordsErrorRedactsEverySource(t *testing.T) {
	const tok = "S3cr3t/Tok+en="
	dir, tokFile, setFile := secretFiles(t, tok)
	envTok := map[string]string{"INJECTKIT_TOKEN": tok}
	tests := []redactedRefusal{
		{"outbox flush, --token", nil, []string{"outbox", "flush", "--backend-url", "http://127.0.0.1:1", "--token", tok, tok}, `outbox flush takes no arguments, got "[REDACTED]"`},
		{"outbox flush, env token", envTok, []string{"outbox", "flush", tok}, `outbox flush takes no arguments, got "[REDACTED]"`},
		{"outbox list, env token", envTok, []string{"outbox", "list", tok}, `outbox list takes no arguments, got "[REDACTED]"`},
		{"outbox list, config token", nil, []string{"outbox", "list", "--config", tokFile, tok}, `outbox list takes no arguments, got "[REDACTED]"`},
		{"outbox compact, env token", envTok, []string{"outbox", "compact", tok}, `outbox compact takes no arguments, got "[REDACTED]"`},
		{"outbox retry-dead, two words", envTok, []string{"outbox", "retry-dead", "7", tok}, `want one outbox id, got "7 [REDACTED]"`},
		{"outbox retry-dead, config token", nil, []string{"outbox", "retry-dead", "--config", tokFile, "7", tok}, `want one outbox id, got "7 [REDACTED]"`},
		{"outbox drop, the token as id", envTok, []string{"outbox", "drop", "--outbox", filepath.Join(dir, "ob.db"), tok}, `invalid id "[REDACTED]"`},
		{"run, config token", nil, []string{"run", "noop", "--config", tokFile, "x", tok}, `run takes one injector name, got "noop x [REDACTED]"`},
		{"run, INJECTKIT_CONFIG token", map[string]string{"INJECTKIT_CONFIG": tokFile}, []string{"run", "noop", "x", tok}, `run takes one injector name, got "noop x [REDACTED]"`},
		{"validate, config token", nil, []string{"validate", "noop", "--config", tokFile, tok}, `validate takes one injector name, got "noop [REDACTED]"`},
		{"serve, config token", nil, []string{"serve", "--config", tokFile, tok}, `serve takes no arguments, got "[REDACTED]"`},
		{"run, config Secret setting", nil, []string{"run", "leaky", "--config", setFile, tok}, `run takes one injector name, got "leaky [REDACTED]"`},
	}
	checkRedactedRefusals(t, tests)
}

// redactedRefusal is a command line refused for its words: the refusal
// (exit 2) must say want, and nothing may show the secret.
type redactedRefusal struct {
	name string
	env  map[string]string
	args []string
	want string
}

// checkRedactedRefusals runs each refusal as a subtest.
func checkRedactedRefusals(t *testing.T, tests []redactedRefusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(withLeaky("")), tt.env, tt.args...)
			checkRefused(t, r, tt.want)
			if strings.Contains(r.stdout+r.stderr, "S3cr3t") {
				t.Errorf("shows the secret:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// secretFiles writes, in a directory of its own, the config files that
// give secret tok: tok.yaml its token key, set.yaml the leaky injector's
// Secret setting.
func secretFiles(t *testing.T, tok string) (dir, tokFile, setFile string) {
	t.Helper()
	dir = t.TempDir()
	tokFile = filepath.Join(dir, "tok.yaml")
	setFile = filepath.Join(dir, "set.yaml")
	for p, content := range map[string]string{tokFile: "token: '" + tok + "'\n", setFile: "leaky:\n  secret: '" + tok + "'\n"} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, tokFile, setFile
}
