package doccheck

import (
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// commandLine is a command line of the documentation that runs or
// validates an inject: what a reader copies into a real scan.
var commandLine = regexp.MustCompile(`^\s*(?:\$ )?(?:bin/|\./)?(?:injectkit|hello|httpprobe) (?:run|validate) .*`)

// TestExampleTargetsOnLoopback: every --target of a run or validate the
// documentation shows is a loopback address or localhost, as the help's
// examples are (the network rules allow no other): the README ran noop
// on web.example.com and validated nmap on 10.0.0.1, which a reader
// copies into an nmap run. A query's target only narrows what Shodan is
// asked, nothing is sent to it: its documentation address stays.
func TestExampleTargetsOnLoopback(t *testing.T) {
	root := repoRoot(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"))
	seen := 0
	for _, doc := range docs {
		for i, line := range strings.Split(string(readRepoFile(t, doc)), "\n") {
			if !commandLine.MatchString(line) || strings.Contains(line, " run query ") {
				continue
			}
			for _, bad := range offLoopback(line) {
				rel, _ := filepath.Rel(root, doc)
				t.Errorf("%s:%d: --target %s is not a loopback address: %s", rel, i+1, bad, strings.TrimSpace(line))
			}
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("no injectkit run or validate command line found in the documentation")
	}
}

// offLoopback returns the --target values of line that are neither a
// loopback address nor localhost.
func offLoopback(line string) []string {
	var bad []string
	for _, m := range regexp.MustCompile(`--target[ =]([^\s`+"`"+`]+)`).FindAllStringSubmatch(line, -1) {
		v := strings.Trim(m[1], `"'`)
		if ip := net.ParseIP(v); v != "localhost" && (ip == nil || !ip.IsLoopback()) {
			bad = append(bad, fmt.Sprintf("%q", v))
		}
	}
	return bad
}
