package doccheck

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

// summaryCode is a code a one-line summary names after "exit": "exit 0
// (valid), 1 (…)", "exit 0, 2, or 3 if …".
var summaryCode = regexp.MustCompile(`\b(\d+)\b`)

// TestSummaryExitCodes checks that a line summing up a command's exit
// codes (its line in injectkit --help, the README's comment on it) names
// the codes its own --help's EXIT CODES lists, and no other: a code added
// to the command, or one left out of its summary, is caught where a
// newcomer reads it first.
func TestSummaryExitCodes(t *testing.T) {
	root := helpOf(t)
	readme := string(readRepoFile(t, repoRoot(t), "README.md"))
	cases := []struct {
		name, command string
		// summary is the text that names the codes, from "exit" on; ""
		// when the source has no such line.
		summary string
	}{
		{"injectkit --help, validate's line", "validate", afterExit(helpCommandLine(root, "validate"))},
		{"README.md, Running an inject, validate's comment", "validate",
			afterExit(lineHolding(readme, "bin/injectkit validate --inject-file inject.json"))},
	}
	// Every other command whose line in injectkit --help sums up its
	// codes is held to its own help too.
	for _, m := range helpCommand.FindAllStringSubmatch(root, -1) {
		if name := m[1]; name != "validate" && afterExit(helpCommandLine(root, name)) != "" {
			cases = append(cases, struct{ name, command, summary string }{"injectkit --help, " + name + "'s line", name, afterExit(helpCommandLine(root, name))})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.summary == "" {
				t.Fatalf("no line naming the exit codes of %s", c.command)
			}
			want := helpExitCodes(t, helpOf(t, c.command, "--help"))
			if got := codes(summaryCode, c.summary); !slices.Equal(got, want) {
				t.Errorf("%q names the codes %v; %s --help's EXIT CODES lists %v", c.summary, got, c.command, want)
			}
		})
	}
}

// TestSummaryExitCodesFails checks the helpers on a summary that leaves a
// code out: they must read what it names, so that the test above fails.
func TestSummaryExitCodesFails(t *testing.T) {
	root := "COMMANDS:\n   validate    check it: exit 0 (valid), 2 (not) or 3 (panicked)\n   serve       run\n"
	got := codes(summaryCode, afterExit(helpCommandLine(root, "validate")))
	if want := []int{0, 2, 3}; !slices.Equal(got, want) {
		t.Fatalf("codes %v, want %v", got, want)
	}
	if s := afterExit(helpCommandLine(root, "serve")); s != "" {
		t.Errorf("serve's line names no code, read %q", s)
	}
	if got := helpExitCodes(t, "EXIT CODES:\n   0  ok\n      2  bad\n   130  stopped\n\nOPTIONS:\n   5  not a code\n"); !slices.Equal(got, []int{0, 2, 130}) {
		t.Errorf("EXIT CODES read as %v", got)
	}
}

// helpOf returns what injectkit prints for args (none: the root help).
func helpOf(t *testing.T, args ...string) string {
	t.Helper()
	if len(args) == 0 {
		args = []string{"--help"}
	}
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), cli.Options{Registry: framework.NewRegistry(), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }}, append([]string{"injectkit"}, args...))
	if code != cli.ExitOK {
		t.Fatalf("injectkit %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

// helpExitCodes returns the codes of a help's EXIT CODES section.
func helpExitCodes(t *testing.T, help string) []int {
	t.Helper()
	_, section, ok := strings.Cut(help, "EXIT CODES:\n")
	if !ok {
		t.Fatalf("the help has no EXIT CODES:\n%s", help)
	}
	section, _, _ = strings.Cut(section, "\n\n")
	return codes(helpExitLine, section)
}

// helpCommandLine returns a command's line of a help's COMMANDS section.
func helpCommandLine(help, name string) string {
	for line := range strings.Lines(help) {
		if m := helpCommand.FindStringSubmatch(line); m != nil && m[1] == name {
			return line
		}
	}
	return ""
}

// lineHolding returns the first line of doc holding s.
func lineHolding(doc, s string) string {
	for line := range strings.Lines(doc) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

// afterExit returns line from its word "exit" on, "" when it has none
// followed by a code.
func afterExit(line string) string {
	i := strings.Index(line, "exit ")
	if i < 0 || !summaryCode.MatchString(line[i:]) {
		return ""
	}
	return line[i:]
}
