package doccheck

import (
	"bufio"
	"bytes"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// arrowLine is one line of docs/architecture.md's import list:
// "- `cli` → `openaev`, `serve`" (or "→ nothing").
var arrowLine = regexp.MustCompile("^- `([^`]+)` → (.+)$")

// TestArchitectureArrows checks docs/architecture.md's list of imports
// against the code: each package it lists imports, of the module, exactly
// the packages its line names (the helpers under internal/ other than
// internal/httpx aside), and every package of the module that is no test
// helper, no example, no command of a test stand-in and not under an
// internal/ has a line.
func TestArchitectureArrows(t *testing.T) {
	root := repoRoot(t)
	doc := readRepoFile(t, root, "docs", "architecture.md")
	listed := map[string][]string{}
	for line := range strings.Lines(string(doc)) {
		m := arrowLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		var to []string
		for _, c := range codeSpan.FindAllStringSubmatch(m[2], -1) {
			to = append(to, c[1])
		}
		listed[m[1]] = to
	}
	if len(listed) == 0 {
		t.Fatal("docs/architecture.md lists no imports (- `pkg` → `a`, `b`)")
	}

	imports := moduleImports(t, root)
	for pkg, to := range listed {
		got, ok := imports[pkg]
		if !ok {
			t.Errorf("docs/architecture.md lists %s, no package of the module", pkg)
			continue
		}
		slices.Sort(to)
		if !slices.Equal(got, to) {
			t.Errorf("docs/architecture.md: %s → %s; it imports %s", pkg, orNothing(to), orNothing(got))
		}
	}
	for pkg := range imports {
		if _, ok := listed[pkg]; !ok && mainPackage(pkg) {
			t.Errorf("docs/architecture.md has no line for %s (it imports %s)", pkg, orNothing(imports[pkg]))
		}
	}
}

// moduleImports returns each package of the module (its path in the
// module) and the module's packages it imports, sorted, but those under
// internal/ other than internal/httpx.
func moduleImports(t *testing.T, root string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const module = "github.com/injectkit/injectkit/"
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue
		}
		got := []string{}
		for _, imp := range fields[1:] {
			if p, ok := strings.CutPrefix(imp, module); ok && (p == "internal/httpx" || !strings.HasPrefix(p, "internal/")) {
				got = append(got, p)
			}
		}
		slices.Sort(got)
		imports[pkg] = got
	}
	return imports
}

// mainPackage reports whether pkg is one the import list must name: not
// a test helper (a path element ending in "test", serve/e2e), an example
// or under an internal/.
func mainPackage(pkg string) bool {
	if strings.HasPrefix(pkg, "examples/") {
		return false
	}
	for _, e := range strings.Split(pkg, "/") {
		if e == "internal" || e == "e2e" || strings.HasSuffix(e, "test") {
			return false
		}
	}
	return true
}

func orNothing(pkgs []string) string {
	if len(pkgs) == 0 {
		return "nothing"
	}
	return strings.Join(pkgs, ", ")
}
