package doccheck

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// modulePath prefixes the import path of every package of the module.
const modulePath = "github.com/injectkit/injectkit/"

// TestGuideGivesImportPaths checks that the guide gives the import path
// of every injectkit package its excerpts use: a newcomer assembling
// main.go from the excerpts of examples/hello/main.go met builtin.Register
// and cli.Main with no word of where they live (tester t190).
func TestGuideGivesImportPaths(t *testing.T) {
	root := repoRoot(t)
	md := readRepoFile(t, root, "docs", "writing-an-injector.md")
	errs, n := missingImportPaths(root, "docs/writing-an-injector.md", md)
	for _, err := range errs {
		t.Error(err)
	}
	if n == 0 {
		t.Fatal("no excerpt of a repository file in the guide")
	}
	t.Logf("%d injectkit packages used by the guide's excerpts", n)
}

// TestGuideGivesImportPathsFails proves the check fails where it must: an
// excerpt using a package whose import path the document never gives, and
// not on a package the excerpt does not use or whose path it gives.
func TestGuideGivesImportPathsFails(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range []struct {
		name, md string
		want     []string
	}{
		{"path not given", "```go examples/hello/main.go\n" + registryExcerpt + "```\n",
			[]string{"framework", "builtin"}},
		{"paths given", "```go examples/hello/main.go\n" + registryExcerpt + "```\n" +
			"```go fragment\nimport (\n\t\"" + modulePath + "framework\"\n\t\"" + modulePath + "injectors/builtin\"\n)\n```\n",
			nil},
		{"no package used", "```go examples/hello/main.go\n// Hello greets its network targets one after the other.\ntype Hello struct{}\n```\n",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, _ := missingImportPaths(root, "guide.md", []byte(tc.md))
			var got []string
			for _, err := range errs {
				var m missingImportError
				if !errors.As(err, &m) {
					t.Fatalf("error %v is no missingImportError", err)
				}
				got = append(got, m.name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("missing %q, want %q: %v", got, tc.want, errors.Join(errs...))
			}
		})
	}
}

// registryExcerpt is a run of lines of examples/hello/main.go using
// framework and builtin.
const registryExcerpt = `// registry serves hello beside the reference injectors.
func registry() *framework.Registry {
	reg := framework.NewRegistry()
	builtin.Register(reg)
	reg.Register("hello", func() framework.Executor { return Hello{} })
	return reg
}
`

// missingImportError is an injectkit package an excerpt uses whose import
// path the document does not give.
type missingImportError struct {
	doc, file, name, path string
}

func (e missingImportError) Error() string {
	return fmt.Sprintf("%s: its excerpts of %s use %s. but it never gives the import path %q: show the file's import block (an excerpt of it)",
		e.doc, e.file, e.name, e.path)
}

// missingImportPaths returns, for each repository file md excerpts, each
// injectkit package the file imports and an excerpt uses (name.) whose
// quoted import path md does not hold, and how many such packages were
// used in all.
func missingImportPaths(root, doc string, md []byte) ([]error, int) {
	blocks, err := parse(doc, md)
	if err != nil {
		return []error{err}, 0
	}
	excerpts := map[string]string{}
	var files []string
	for _, b := range blocks {
		if b.info == "" || b.info == "fragment" {
			continue
		}
		if _, ok := excerpts[b.info]; !ok {
			files = append(files, b.info)
		}
		excerpts[b.info] += b.code
	}
	var errs []error
	n := 0
	for _, file := range files {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", doc, err))
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", doc, err))
			continue
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !strings.HasPrefix(p, modulePath) {
				continue
			}
			name := path.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(name) + `\.`).MatchString(excerpts[file]) {
				continue
			}
			n++
			if !strings.Contains(string(md), strconv.Quote(p)) {
				errs = append(errs, missingImportError{doc: doc, file: file, name: name, path: p})
			}
		}
	}
	return errs, n
}
