package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// A file's path is named as written in the lines stderr shows (an inject
// or targets file's file:line, a config file's place in a WARN): one
// holding an escape sequence, a C1 control or bytes that are not UTF-8
// reached the terminal as they are, recolouring it, and a CI log held
// invalid UTF-8. Each line now shows them escaped, as Go quotes them.
func TestStderrShowsAPathsControlCharactersEscaped(t *testing.T) {
	const name = "a\x1b[31mred\u009b2J\xff"
	const escaped = `a\x1b[31mred\u009b2J\xff`
	for _, tt := range []struct {
		name, file, content string
		args                []string
		code                int
	}{
		{"inject file line", name + ".json", `{"injector":"noop","targets":[{"ip":"127.0.0.1"}]}`,
			[]string{"validate", "--inject-file"}, 2},
		{"targets file line", name + ".txt", "127.0.0.1\n300.1.1.1\n",
			[]string{"validate", "noop", "--targets-file"}, 2},
		{"hint of an unknown injector in an inject file", name + ".json", `{"injector":"nop","targets":[{"value":"127.0.0.1"}]}`,
			[]string{"validate", "--inject-file"}, 2},
		{"WARN naming a config file", name + ".yaml", "token: abcdefghijkl\n",
			[]string{"validate", "noop", "--target", "127.0.0.1", "--config"}, 0},
		// No file: a flag of that name, which urfave/cli names as typed.
		{"unknown flag", "", "", []string{"validate", "noop", "--" + name}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				path := filepath.Join(t.TempDir(), tt.file)
				if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, path)
			}
			r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": "none"}, args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, escaped) {
				t.Errorf("stderr does not name the path escaped (%s):\n%q", escaped, r.stderr)
			}
			if strings.ContainsAny(r.stderr, "\x1b\u009b") || !utf8.ValidString(r.stderr) {
				t.Errorf("stderr holds a control character or invalid UTF-8:\n%q", r.stderr)
			}
		})
	}
}
