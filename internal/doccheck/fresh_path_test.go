package doccheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// freshPath is root's PATH on a fresh Debian machine: Go's archive,
// unpacked at /usr/local/go as the README says, adds nothing to it.
const freshPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// TestFreshDebianPathFindsGo runs the README's first commands (make demo,
// the Makefile's Go; make test runs that Go as make build does) with the
// PATH of a fresh Debian machine's root, Go at /usr/local/go and not on it:
// the Makefile and scripts/demo.sh find it there, as .ci/run does
// (tester t169: make demo said "go: not found", make build stamped no Go
// version). Skipped where that PATH has a Go of its own or /usr/local/go
// holds none; the demo needs nmap on that PATH, and is left out in -short
// mode.
func TestFreshDebianPathFindsGo(t *testing.T) {
	if onPath(freshPath, "go") {
		t.Skip("a go on " + freshPath + ": this machine is no fresh Debian one")
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err != nil {
		t.Skip("no Go at /usr/local/go")
	}
	if !onPath(freshPath, "make") {
		t.Skip("no make on " + freshPath)
	}
	root := repoRoot(t)
	env := []string{"PATH=" + freshPath}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") && !strings.HasPrefix(kv, "GO=") && !strings.HasPrefix(kv, "MAKEFLAGS=") {
			env = append(env, kv)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the output
		demo bool
	}{
		{"make build stamps the Go version", []string{"make", "-n", "build"}, "-X main.goVersion=go1.", false},
		{"make build builds a static binary, as the release", []string{"make", "-n", "build"}, "CGO_ENABLED=0 /usr/local/go/bin/go build", false},
		{"make fmtcheck finds gofmt", []string{"make", "-s", "fmtcheck"}, "", false},
		{"make test runs that Go", []string{"make", "-n", "test"}, "/usr/local/go/bin/go test -race", false},
		{"scripts/demo.sh without make", []string{"scripts/demo.sh"}, `"signature_type": "ports_discovered"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.demo && testing.Short() {
				t.Skip("builds injectkit and scans a loopback listener with nmap")
			}
			if tc.demo && !onPath(freshPath, "nmap") {
				t.Skip("no nmap on " + freshPath)
			}
			cmd := exec.Command(tc.args[0], tc.args[1:]...)
			cmd.Dir, cmd.Env = root, env
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s with PATH=%s: %v\n%s", strings.Join(tc.args, " "), freshPath, err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("%s with PATH=%s: no %q in\n%s", strings.Join(tc.args, " "), freshPath, tc.want, out)
			}
		})
	}
}

// onPath reports whether one of path's directories holds a file name.
func onPath(path, name string) bool {
	for _, dir := range filepath.SplitList(path) {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() {
			return true
		}
	}
	return false
}

// goCommand is a go command a reader types: go run, build, install or test.
var goCommand = regexp.MustCompile("(?m)(?:^|[\\s(`])go (?:run|build|install|test) ")

// goOnPath is the README's line putting Go's directory on PATH.
const goOnPath = "export PATH=$PATH:/usr/local/go/bin"

// TestREADMEPutsGoOnPathFirst checks that the README, whose fresh Debian
// machine has Go at /usr/local/go and not on root's PATH, says how to put
// it there before its first go command (`go run ./cmd/injectkit …`,
// `go install …`, `go build …`): typed as written on that machine, such a
// command said "go: command not found" (helper t235). The line it gives
// finds Go with the fresh PATH.
func TestREADMEPutsGoOnPathFirst(t *testing.T) {
	readme := string(readRepoFile(t, repoRoot(t), "README.md"))
	first := goCommand.FindStringIndex(readme)
	if first == nil {
		t.Fatal("no go command in README.md; the reading broke")
	}
	at := strings.Index(readme, goOnPath)
	if at < 0 || at > first[0] {
		line := strings.Count(readme[:first[0]], "\n") + 1
		t.Fatalf("README.md:%d: a go command before the README says %q (Go at /usr/local/go is not on a fresh root's PATH)", line, goOnPath)
	}
	if _, err := os.Stat("/usr/local/go/bin/go"); err != nil {
		t.Skip("no Go at /usr/local/go")
	}
	cmd := exec.Command("/bin/sh", "-c", goOnPath+" && command -v go")
	cmd.Env = []string{"PATH=" + freshPath}
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Errorf("%s with PATH=%s finds no go: %v %s", goOnPath, freshPath, err, out)
	}
}
