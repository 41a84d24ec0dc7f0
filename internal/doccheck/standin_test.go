package doccheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStandInBlock runs the guide's stand-in block (section 8) as a
// script, with hello built as the guide builds it and the guide's
// hello-inject.json, its files moved to a temporary directory: it builds
// the stand-in, waits for its URL file, runs hello against it and stops
// it by its process id, which prints the platform's calls summed up: one
// inject completed, no callback dropped.
func TestStandInBlock(t *testing.T) {
	bash, root, md := blockDoc(t, "builds hello and the stand-in", "docs", "writing-an-injector.md")
	script := fenced(t, md, "sh", "-contract-of hello -inject inj-hello-1")
	inject := fenced(t, md, "json", `{"inject_id": "inj-hello-1"`)
	w := t.TempDir()
	if err := os.WriteFile(filepath.Join(w, "hello-inject.json"), []byte(inject), 0o600); err != nil {
		t.Fatal(err)
	}
	script = strings.NewReplacer("bin/", w+"/bin/", "/tmp/oaev.url", w+"/oaev.url",
		" hello.json", " "+filepath.Join(w, "hello.json"), "hello-inject.json", filepath.Join(w, "hello-inject.json")).Replace(script)
	runStandInScript(t, bash, root, w, "hello", "./examples/hello", script)
}

// blockDoc readies a test that runs a document's shell block as a script:
// it skips the test in -short mode, saying what the block builds, and
// where there is no bash; else it returns bash, the repository's root and
// the document, its path under the root in elems.
func blockDoc(t *testing.T, builds string, elems ...string) (bash, root, md string) {
	t.Helper()
	if testing.Short() {
		t.Skip(builds)
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	root = repoRoot(t)
	return bash, root, string(readRepoFile(t, root, elems...))
}

// fenced returns the body of the first fenced block of md in language
// lang that holds what.
func fenced(t *testing.T, md, lang, what string) string {
	t.Helper()
	for rest := md; ; {
		i := strings.Index(rest, "\n```"+lang+"\n")
		if i < 0 {
			t.Fatalf("no %s block holding %q in the document", lang, what)
		}
		rest = rest[i+len("\n```"+lang+"\n"):]
		end := strings.Index(rest, "\n```\n")
		if end < 0 {
			t.Fatalf("a %s block is not closed", lang)
		}
		if body := rest[:end+1]; strings.Contains(body, what) {
			return body
		}
		rest = rest[end:]
	}
}

// TestStandInCommandBlock runs the first example of the stand-in
// command's doc (go doc ./openaev/openaevtest/cmd/openaev-standin) as a
// script, as TestStandInBlock runs the guide's: it built nothing, ran
// `go run … &` and the run at once (which then read a URL file not yet
// written: an empty --backend-url, a dry run), and stopped the stand-in
// with `kill %1`, which a script has no job control for (tester t155).
// It must print the platform's calls summed up: one inject completed,
// none dropped.
func TestStandInCommandBlock(t *testing.T) {
	bash, root, src := blockDoc(t, "builds injectkit and the stand-in", "openaev", "openaevtest", "cmd", "openaev-standin", "main.go")
	var lines []string // the first run of the doc's indented lines
	for l := range strings.Lines(src) {
		code, ok := strings.CutPrefix(l, "//\t")
		if !ok && len(lines) > 0 {
			break
		}
		if ok {
			lines = append(lines, code)
		}
	}
	if len(lines) == 0 {
		t.Fatal("the command's doc has no indented example")
	}
	w := t.TempDir()
	script := strings.NewReplacer("bin/", w+"/bin/", "/tmp/oaev.url", w+"/oaev.url").Replace(strings.Join(lines, ""))
	runStandInScript(t, bash, root, w, "injectkit", "./cmd/injectkit", script)
}

// runStandInScript builds the binary name of pkg into w/bin, runs script
// with bash in the repository's root (the binary's outbox under w), and
// wants its last line of stdout to be the stand-in's calls summed up: one
// inject completed, none dropped.
func runStandInScript(t *testing.T, bash, root, w, name, pkg, script string) {
	t.Helper()
	build := exec.Command("go", "build", "-o", filepath.Join(w, "bin", name), pkg)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	cmd := exec.Command(bash, "-c", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(w, "state")) // the binary's outbox
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the script failed: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"dropped":0`) || !strings.Contains(last, `"completed_injects":1`) {
		t.Errorf("the stand-in summed up %s; want one inject completed, none dropped\n%s", last, stderr.String())
	}
}
