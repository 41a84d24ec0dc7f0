package doccheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dirAPI is the exported API of each package of the module, by its
// directory (slash-separated, from the root), and whether it is a
// command; its doc comment beside.
type dirAPI struct {
	api   map[string]*pkgAPI
	main  map[string]bool
	doc   map[string]string
	tests map[string]bool // the Test, Fuzz, Benchmark and Example functions of every package
}

// loadDirAPI parses every package of the module: the API of its non-test
// files, and the test functions of its test files.
func loadDirAPI(t *testing.T, root string) dirAPI {
	t.Helper()
	out := dirAPI{api: map[string]*pkgAPI{}, main: map[string]bool{}, doc: map[string]string{}, tests: map[string]bool{}}
	for _, dir := range goPackages(t, root) {
		pkgs, err := parser.ParseDir(token.NewFileSet(), filepath.Join(root, filepath.FromSlash(dir)), nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			for file, f := range pkg.Files {
				if !strings.HasSuffix(file, "_test.go") {
					continue
				}
				delete(pkg.Files, file)
				for _, d := range f.Decls {
					if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && testFunc.MatchString(fn.Name.Name) {
						out.tests[fn.Name.Name] = true
					}
				}
			}
		}
		var names []string // the packages of dir's non-test files
		for name, pkg := range pkgs {
			if len(pkg.Files) > 0 {
				names = append(names, name)
			}
		}
		for _, name := range names {
			pkg := pkgs[name]
			if name == "main" && len(names) > 1 {
				continue // a generator beside the package (go:build ignore)
			}
			out.api[dir] = exported(pkg)
			out.main[dir] = name == "main"
			for _, f := range pkg.Files {
				if f.Doc != nil {
					out.doc[dir] += f.Doc.Text()
				}
			}
		}
	}
	return out
}

// testFunc is the name of a test function go test runs.
var testFunc = regexp.MustCompile(`^(?:Test|Fuzz|Benchmark|Example)[A-Z_]?`)

// has reports whether the package in dir exports name, or, with member,
// a type name with that field or method.
func (d dirAPI) has(dir, name, member string) bool {
	p := d.api[dir]
	switch {
	case p == nil || !p.idents[name]:
		return false
	case member == "":
		return true
	default:
		return p.members[name][member] || p.embeds[name]
	}
}

// resolve reports whether a Go name a document writes is one of the
// module: qualified by a package's path (transport/callback.Deliverer)
// or name (outbox.Resender, *runtime.StoredError), or not at all
// (Observer.OnExecuted, Configurer; ErrorInfo, a type's field), then
// found in any package. ours is false for a qualifier naming no package
// of the module (time.Duration).
func (d dirAPI) resolve(text string) (found, ours bool) {
	m := goName.FindStringSubmatch(strings.TrimPrefix(text, "*"))
	if m == nil {
		return false, false
	}
	qual, name, member := m[1], m[2], m[3]
	var dirs []string
	for dir := range d.api {
		if qual == "" || !d.main[dir] && (dir == qual || !strings.Contains(qual, "/") && path.Base(dir) == qual) {
			dirs = append(dirs, dir)
		}
	}
	if len(dirs) == 0 {
		return false, false
	}
	if qual == "" && member == "" && d.tests[name] {
		return true, true
	}
	for _, dir := range dirs {
		if d.has(dir, name, member) {
			return true, true
		}
		if qual == "" && member == "" {
			for _, members := range d.api[dir].members {
				if members[name] {
					return true, true // a field or method: ErrorInfo, Before
				}
			}
		}
	}
	return false, true
}

var (
	// goName is a Go name as the documents write it: pkg.Name,
	// pkg/path.Name.Member, Name.Member, Name.
	goName = regexp.MustCompile(`^(?:((?:[a-z][a-z0-9]*/)*[a-z][a-z0-9]*)\.)?([A-Z]\w*)(?:\.([A-Z]\w*))?$`)
	// diagramName is a Go name in a diagram's text: a qualified one, or
	// a capitalized word with a lower-case letter after its first
	// (Receiver, DecodeParams; not POST).
	diagramName = regexp.MustCompile(`(?:(?:[a-z][a-z0-9]*/)*[a-z][a-z0-9]*\.)?[A-Z][a-z]\w*(?:\.[A-Z]\w*)?`)
	// camel is the start of a name written without its package that
	// reads as Go's: Configurer, not INVALID_USAGE.
	camel = regexp.MustCompile(`^[A-Z][a-z]`)
)

// archNames returns the Go names docs/architecture.md writes, each with
// its line: its code spans that are one, and the names of its diagrams
// (its code blocks without an info string).
func archNames(md string) (names []string, lines []int) {
	inBlock, diagram := false, false
	for n, line := range strings.Split(md, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "```") {
			inBlock, diagram = !inBlock, !inBlock && t == "```"
			continue
		}
		var found []string
		switch {
		case diagram:
			for _, loc := range diagramName.FindAllStringIndex(line, -1) {
				if loc[0] == 0 || !strings.ContainsAny(line[loc[0]-1:loc[0]], "./_-") {
					found = append(found, line[loc[0]:loc[1]])
				}
			}
		case !inBlock:
			for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
				if g := goName.FindStringSubmatch(strings.TrimPrefix(m[1], "*")); g != nil && (g[1] != "" || camel.MatchString(g[2])) {
					found = append(found, m[1])
				}
			}
		}
		for _, f := range found {
			names = append(names, f)
			lines = append(lines, n+1)
		}
	}
	return names, lines
}

// TestArchitectureNames checks that each Go name docs/architecture.md
// writes, in its text and in its diagram of the path of one inject, is
// one the module has: the package a qualified name gives
// (transport/callback.Deliverer, openaev.Processor.Translate) exports it,
// a name without a package (Observer.OnExecuted, Configurer) is exported
// by some package; and that each package its step table names is one of
// the module. TestDocSpans skips the diagram, names without a package
// and those qualified by a path.
func TestArchitectureNames(t *testing.T) {
	root := repoRoot(t)
	d := loadDirAPI(t, root)
	md := string(readRepoFile(t, root, "docs", "architecture.md"))
	names, lines := archNames(md)
	checked := 0
	for i, name := range names {
		found, ours := d.resolve(name)
		if !ours {
			continue
		}
		checked++
		if !found {
			t.Errorf("docs/architecture.md:%d: `%s` is no exported name of the module", lines[i], name)
		}
	}
	if checked < 40 {
		t.Fatalf("docs/architecture.md writes %d Go names of the module: the reading broke", checked)
	}
	t.Logf("%d Go names of the module in docs/architecture.md", checked)
	_, steps, ok := strings.Cut(md, "\n| step | what happens | package |\n")
	if !ok {
		t.Fatal("docs/architecture.md has no step table (| step | what happens | package |)")
	}
	for line := range strings.Lines(steps) {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(line, "|")
		for _, m := range codeSpan.FindAllStringSubmatch(cells[len(cells)-2], -1) {
			if !slices.ContainsFunc(goPackages(t, root), func(dir string) bool { ok, _ := path.Match(m[1], dir); return ok }) {
				t.Errorf("docs/architecture.md's step %s names the package `%s`, none of the module", strings.TrimSpace(cells[1]), m[1])
			}
		}
	}
}

// TestArchitectureNamesFails proves the name check fails where it must.
func TestArchitectureNamesFails(t *testing.T) {
	d := loadDirAPI(t, repoRoot(t))
	md := "Run `runtime.Runtime.Run`, `transport/callback.Deliverer`, `Observer.OnExecuted`, `ErrorInfo`, `time.Duration`, `INVALID_USAGE`;\n" +
		"but `runtime.Runtime.Go`, `transport/callback.Poster`, `Observer.OnLost`, `Frobnicator`.\n" +
		"```\n  │ openaev.Processor   2 Receiver hook  POST   │\n  │ outbox.Sender  Deliverer.Deliver  Executor.Explode │\n```\n" +
		"```sh\nNotAName.Here\n```\n"
	names, _ := archNames(md)
	var bad []string
	for _, name := range names {
		if found, ours := d.resolve(name); ours && !found {
			bad = append(bad, name)
		}
	}
	want := []string{"runtime.Runtime.Go", "transport/callback.Poster", "Observer.OnLost", "Frobnicator", "outbox.Sender", "Executor.Explode"}
	if !slices.Equal(bad, want) {
		t.Errorf("refused %v, want %v (read %v)", bad, want, names)
	}
}

// notGo are the names the documents write in code spans that read as Go
// names of the module and are not, each on purpose: another system's.
var notGo = map[string]string{
	"InetAddressValidator":     "commons-validator's Java class, whose rules internal/inetaddr keeps",
	"ExecutionTraceStatus":     "the OpenAEV platform's Java enum of trace statuses",
	"AgentOutput":              "the OpenAEV platform's Java class",
	"InjectExpectationService": "the OpenAEV platform's Java service",
	"ExpectationUtils":         "the OpenAEV platform's Java class",
	"PublicPlatformSettings":   "the OpenAEV platform's Java class",
	"Linux":                    "an OpenAEV platform name (its Endpoint.PLATFORM_TYPE)",
	"Windows":                  "an OpenAEV platform name",
	"MacOS":                    "an OpenAEV platform name",
	"Container":                "an OpenAEV platform name",
	"Generic":                  "an OpenAEV platform name",
	"Internal":                 "an OpenAEV platform name",
	"Unknown":                  "an OpenAEV platform name",
	"Android":                  "an OpenAEV platform name",
	"Source_Ipv4_Address":      "an extra signature's name in another case, which the check of names refuses",
	"Authorization":            "the HTTP header",
	"True":                     "a spelling of true strconv.ParseBool takes",
	"False":                    "a spelling of false strconv.ParseBool takes",
	"TimeoutStopSec":           "systemd's setting",
	"Proxy":                    "net/http.Transport's field",
	"Keyed":                    "the guide's own example type, declared in its section 3 code block",
}

// TestPackageTableNames checks the README's package table against the
// packages it names: each Go name a row writes without a package
// (`Resender`, `Runtime.Run`) is exported by one of the row's packages
// (TestDocSpans checks those written with theirs); and each package of
// the module says what it owns in its doc comment, "Package name …" (or,
// for a command, "Command name …"), the comment `go doc` shows.
func TestPackageTableNames(t *testing.T) {
	root := repoRoot(t)
	d := loadDirAPI(t, root)
	rows := packageRows(string(readRepoFile(t, root, "README.md")))
	checked := 0
	for _, r := range rows {
		for _, m := range codeSpan.FindAllStringSubmatch(r.owns, -1) {
			g := goName.FindStringSubmatch(m[1])
			if g == nil || g[1] != "" || strings.ToUpper(g[2]) == g[2] {
				continue // a qualified name, or CONTAINER_IP, CONNECT
			}
			if _, ok := notGo[g[2]]; ok {
				continue
			}
			checked++
			if !slices.ContainsFunc(r.paths, func(dir string) bool { return d.has(dir, g[2], g[3]) }) {
				t.Errorf("README.md's package table: the row of %s writes `%s`, which none of its packages exports", strings.Join(r.paths, ", "), m[1])
			}
		}
	}
	if checked < 10 {
		t.Fatalf("the package table writes %d Go names of its packages: the reading broke", checked)
	}
	t.Logf("%d Go names in the package table's rows", checked)
	for _, dir := range goPackages(t, root) {
		word := "Package "
		if d.main[dir] {
			word = "Command "
		}
		if want := word + path.Base(dir) + " "; !strings.HasPrefix(d.doc[dir], want) {
			t.Errorf("%s: its doc comment does not start %q, saying what it owns: %.60q", dir, want, d.doc[dir])
		}
	}
}

// TestDocGoNames checks that each inline code span of README.md and
// docs/*.md that reads as a Go name of the module is one: written with a
// package's path (transport/callback.Deliverer), or without a package
// (FindingValueRoom, Observer.OnExecuted), which TestDocSpans does not
// check, so that a name renamed in the code cannot stay in the documents;
// but the names of other systems they quote (notGo).
func TestDocGoNames(t *testing.T) {
	root := repoRoot(t)
	d := loadDirAPI(t, root)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	checked := 0
	for _, p := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		rel, _ := filepath.Rel(root, p)
		names, lines := archNames(spansOnly(string(readRepoFile(t, p))))
		for i, name := range names {
			if _, ok := notGo[strings.TrimPrefix(name, "*")]; ok {
				written[strings.TrimPrefix(name, "*")] = true
				continue
			}
			found, ours := d.resolve(name)
			if !ours {
				continue
			}
			checked++
			if !found {
				t.Errorf("%s:%d: `%s` is no exported name of the module (a name of another system: list it in notGo)", filepath.ToSlash(rel), lines[i], name)
			}
		}
	}
	for name := range notGo {
		if !written[name] {
			t.Errorf("notGo lists %s, which no document writes any more: drop it", name)
		}
	}
	if checked < 200 {
		t.Fatalf("the documents write %d Go names of the module: the reading broke", checked)
	}
	t.Logf("%d Go names of the module checked, %d names of other systems passed over", checked, len(notGo))
}

// spansOnly returns md with the info string of each fence made "text",
// so that archNames reads no diagram in it, its code spans alone.
func spansOnly(md string) string {
	lines := strings.Split(md, "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) == "```" && !strings.HasPrefix(strings.TrimSpace(line), "```text") {
			lines[i] = strings.Replace(line, "```", "```text", 1)
		}
	}
	return strings.Join(lines, "\n")
}
