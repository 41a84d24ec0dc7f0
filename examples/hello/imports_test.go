package main

import (
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPublicImportsOnly: hello is the example a third party copies, and a
// module of its own cannot import injectkit's internal packages: neither
// hello nor its tests may.
func TestPublicImportsOnly(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, f := range files {
		parsed, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/injectkit/injectkit/") && strings.Contains(path+"/", "/internal/") {
				t.Errorf("%s imports %s, which a third-party module cannot import", f, path)
			}
		}
	}
}
