package doccheck

import (
	"regexp"
	"strings"
	"testing"
)

// TestCapabilityLists checks that every optional capability of package
// framework (an interface of framework/capability.go) is named where an
// author looks for it: both lists of the package doc (go doc framework)
// and the capability table of docs/writing-an-injector.md's section 1.
func TestCapabilityLists(t *testing.T) {
	root := repoRoot(t)
	read := func(path string) string { return string(readRepoFile(t, root, path)) }
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^type (\w+) interface`).FindAllStringSubmatch(read("framework/capability.go"), -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		t.Fatal("framework/capability.go declares no interface")
	}
	doc := read("framework/doc.go")
	owns, authors, ok := strings.Cut(doc, "# Writing an injector")
	if !ok {
		t.Fatal("framework/doc.go has no section # Writing an injector")
	}
	guide := read("docs/writing-an-injector.md")
	table, _, _ := strings.Cut(guide[strings.Index(guide, "## 1. The contract")+1:], "\n## ")
	for _, n := range names {
		word := regexp.MustCompile(`\b` + n + `\b`)
		if !word.MatchString(owns) {
			t.Errorf("framework/doc.go: the capabilities the package owns do not name %s", n)
		}
		if !word.MatchString(authors) {
			t.Errorf("framework/doc.go: # Writing an injector does not name %s", n)
		}
		if !strings.Contains(table, "| `framework."+n+"`") {
			t.Errorf("docs/writing-an-injector.md: section 1's capability table has no row for framework.%s", n)
		}
	}
}
