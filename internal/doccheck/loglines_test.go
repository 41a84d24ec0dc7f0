package doccheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// quotedLogLine is a log line docs/architecture.md quotes: "WARN `inject
// rejected`".
var quotedLogLine = regexp.MustCompile("\\b(INFO|WARN|ERROR)\\s+`([^`]+)`")

// TestArchitectureLogLines checks that each log line docs/architecture.md
// quotes, with its level, is one the code of the module writes (a
// zap call at that level whose message starts with the quoted text), so
// that the section saying which failure is logged where does not quote a
// line nothing writes.
func TestArchitectureLogLines(t *testing.T) {
	root := repoRoot(t)
	doc := readRepoFile(t, root, "docs", "architecture.md")
	var code strings.Builder
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		code.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	quoted := quotedLogLine.FindAllStringSubmatch(string(doc), -1)
	if len(quoted) == 0 {
		t.Fatal("docs/architecture.md quotes no log line (WARN `message`)")
	}
	for _, q := range quoted {
		level := q[1][:1] + strings.ToLower(q[1][1:])
		msg := strings.Join(strings.Fields(q[2]), " ") // as wrapped in the doc
		if !strings.Contains(code.String(), "."+level+"(\""+msg) {
			t.Errorf("docs/architecture.md quotes %s `%s`: no code logs it at that level", q[1], msg)
		}
	}
}
