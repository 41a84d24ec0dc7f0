package doccheck

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
)

var (
	// exitRow is a row of the README's exit codes table: "| 2 | …".
	exitRow = regexp.MustCompile(`(?m)^\| (\d+) \|`)
	// helpExitLine is a code of run --help's EXIT CODES: "      2  …".
	helpExitLine = regexp.MustCompile(`(?m)^\s+(\d+)  \S`)
	// archExitCode is a code of docs/architecture.md's list of the typed
	// codes a run exits with: "(`cli.ExitError`: 1 delivery, 2 usage, …)".
	archExitCode = regexp.MustCompile(`(?:^|, )(\d+) `)
)

// TestExitCodesTable checks that the README's exit codes table and run
// --help's EXIT CODES each list every exit code the command line has
// (cli.ExitOK … cli.ExitInterrupted), and no other, and that
// docs/architecture.md's failures list names every code but 0, so that a
// code added to the command line is documented in each place.
func TestExitCodesTable(t *testing.T) {
	want := []int{cli.ExitOK, cli.ExitDelivery, cli.ExitUsage, cli.ExitFailed, cli.ExitInterrupted}
	slices.Sort(want)
	readme := string(readRepoFile(t, repoRoot(t), "README.md"))
	table, ok := section(readme, "### Exit codes")
	if !ok {
		t.Fatal("README.md has no section ### Exit codes")
	}
	if got := codes(exitRow, table); !slices.Equal(got, want) {
		t.Errorf("README.md's exit codes table lists %v, the command line has %v", got, want)
	}

	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), cli.Options{Registry: framework.NewRegistry(), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" }}, []string{"injectkit", "run", "--help"})
	if code != cli.ExitOK {
		t.Fatalf("run --help: exit %d: %s", code, stderr.String())
	}
	_, help, ok := strings.Cut(stdout.String(), "EXIT CODES:\n")
	help, _, _ = strings.Cut(help, "\n\n")
	if !ok {
		t.Fatalf("run --help has no EXIT CODES:\n%s", stdout.String())
	}
	if got := codes(helpExitLine, help); !slices.Equal(got, want) {
		t.Errorf("run --help's EXIT CODES lists %v, the command line has %v:\n%s", got, want, help)
	}

	arch := strings.Join(strings.Fields(string(readRepoFile(t, repoRoot(t), "docs", "architecture.md"))), " ")
	_, list, ok := strings.Cut(arch, "(`cli.ExitError`: ")
	list, _, _ = strings.Cut(list, ")")
	if !ok {
		t.Fatal("docs/architecture.md does not list the codes of cli.ExitError")
	}
	if got := codes(archExitCode, list); !slices.Equal(got, want[1:]) {
		t.Errorf("docs/architecture.md lists the codes %v of cli.ExitError (%q), a run exits with %v", got, list, want[1:])
	}
}

// codes returns the codes re finds in text (its first group), sorted.
func codes(re *regexp.Regexp, text string) []int {
	var out []int
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		n, err := strconv.Atoi(m[1])
		if err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}
