package doccheck

import (
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// makeCall is a make command line in code, make and the words after it,
// up to the first that is no target (a VAR=value, a flag, a comment).
var makeCall = regexp.MustCompile(`(?:^|[\s(;&|` + "`" + `])make((?:\s+[a-z][a-z0-9-]*)+)`)

// makeTargetWord is a word of a make command line that names a target.
var makeTargetWord = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// helpTargets returns the targets the Makefile's `make help` lists: those
// whose rule line carries a "## " description, as its recipe greps them.
func helpTargets(makefile string) []string {
	var targets []string
	for line := range strings.Lines(makefile) {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || !makeTargetWord.MatchString(name) || !strings.Contains(rest, "## ") {
			continue
		}
		targets = append(targets, name)
	}
	return targets
}

// inlineCode is a code span of Markdown prose, which may run over a line
// end.
var inlineCode = regexp.MustCompile("`([^`]+)`")

// docMakeTargets returns the targets the code of md (its fenced blocks and
// its inline code) gives make, each with the line it stands on.
func docMakeTargets(md string) map[string]int {
	targets := map[string]int{}
	add := func(code string, line int) {
		for _, m := range makeCall.FindAllStringSubmatch(code, -1) {
			for _, w := range strings.Fields(m[1]) {
				if _, seen := targets[w]; !seen {
					targets[w] = line
				}
			}
		}
	}
	// Fenced blocks are code line by line; the prose left, a fence's lines
	// blanked so that line numbers hold, is searched for inline code.
	lines := strings.Split(md, "\n")
	prose := make([]string, len(lines))
	inBlock := false
	for i, line := range lines {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			inBlock = !inBlock
		case inBlock:
			add(line, i+1)
		default:
			prose[i] = line
		}
	}
	text := strings.Join(prose, "\n")
	for _, loc := range inlineCode.FindAllStringSubmatchIndex(text, -1) {
		add(text[loc[2]:loc[3]], strings.Count(text[:loc[0]], "\n")+1)
	}
	return targets
}

// TestDocMakeTargetsAreListed checks each make target the documents give
// in code (`make demo`, `make fmtcheck vet`, `make bench-w1 N=…`) against
// the Makefile: a target of its own with a "## " description, so that
// `make help`, which the Makefile's first line points a newcomer to, lists
// it; a target renamed or left undescribed cannot stay in a document.
func TestDocMakeTargetsAreListed(t *testing.T) {
	root := repoRoot(t)
	listed := helpTargets(string(readRepoFile(t, root, "Makefile")))
	if len(listed) < 10 {
		t.Fatalf("the Makefile gives %d targets a ## description; the reading broke", len(listed))
	}
	docs := append(readerDocs(t, root), filepath.Join(root, "BENCHMARKS.md"))
	var found []string
	for _, path := range docs {
		rel, err := filepath.Rel(root, path)
		if err != nil {
			t.Fatal(err)
		}
		for target, line := range docMakeTargets(string(readRepoFile(t, root, rel))) {
			found = append(found, rel+":"+strconv.Itoa(line)+" "+target)
			if !slices.Contains(listed, target) {
				t.Errorf("%s:%d: make %s: no target make help lists (it lists %s)", rel, line, target, strings.Join(listed, ", "))
			}
		}
	}
	if len(found) < 5 {
		t.Fatalf("%d make targets found in the documents' code (make demo, make test at least); the reading broke", len(found))
	}
	slices.Sort(found)
	t.Logf("make targets in the documents' code: %s", strings.Join(found, ", "))
}

// TestDocMakeTargetsFail proves the reading finds a target where a reader
// types one, and only there.
func TestDocMakeTargetsFail(t *testing.T) {
	md := "Run `make demo` and `make fmtcheck vet`, then `make\nbench-w1 N=1000`; make room for prose.\n" +
		"```sh\nmake test-short   # comment\nsudo make release VERSION=v1\n```\n"
	got := docMakeTargets(md)
	var names []string
	for n := range got {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"bench-w1", "demo", "fmtcheck", "release", "test-short", "vet"}
	if !slices.Equal(names, want) {
		t.Errorf("targets %v, want %v", names, want)
	}
	if listed := helpTargets("help: ## list\nbuild: ## build it\nhidden:\n\t@true\nx: y ## with a prerequisite\n"); !slices.Equal(listed, []string{"help", "build", "x"}) {
		t.Errorf("helpTargets = %v", listed)
	}
}
