package doccheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

// settingsHeader heads each of the README's tables of settings (run's,
// the outbox commands', serve's).
const settingsHeader = "| flag | env | config key |"

// TestConfigKeysInTables checks the config key column of every README
// table of settings against the config file's reading: a file giving
// each key (empty, as if left out) is read by validate without an
// unknown key, so that a key renamed in the code cannot stay in the
// table, where a newcomer would copy it into a file every command then
// refuses. One config file serves every command, so validate reads
// serve's and the outbox commands' keys too.
func TestConfigKeysInTables(t *testing.T) {
	readme := string(readRepoFile(t, repoRoot(t), "README.md"))
	var keys []string
	for rest := readme; ; {
		_, table, ok := strings.Cut(rest, "\n"+settingsHeader)
		if !ok {
			break
		}
		rest = table
		for line := range strings.Lines(table) {
			if strings.TrimSpace(line) == "" {
				break
			}
			cells := strings.Split(line, "|")
			if len(cells) < 5 {
				continue
			}
			if m := codeSpan.FindStringSubmatch(cells[3]); m != nil && !slices.Contains(keys, m[1]) {
				keys = append(keys, m[1])
			}
		}
	}
	if len(keys) < 30 {
		t.Fatalf("README.md's tables of settings (%s) give %d config keys; the reading broke", settingsHeader, len(keys))
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(file, []byte(key+":\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			reg := framework.NewRegistry()
			builtin.Register(reg)
			var stdout, stderr bytes.Buffer
			env := map[string]string{"HOME": t.TempDir()}
			code := cli.Run(context.Background(), cli.Options{Registry: reg, Stdout: &stdout, Stderr: &stderr,
				Getenv: func(k string) string { return env[k] }},
				[]string{"injectkit", "validate", "noop", "--target", "127.0.0.1", "--config", file})
			if code != cli.ExitOK {
				t.Errorf("README.md's config key %s: validate with it in the config file exits %d: %s", key, code, stderr.String())
			}
		})
	}
}
