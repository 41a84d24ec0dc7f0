package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build builds the main package pkg, with the race detector and the build
// flags given, into a new temporary directory, for the TestMain of tests
// that run the binary: it returns the binary's path and a function that
// removes it. It panics when the build fails (a TestMain has no test to
// fail), after the compiler's messages on standard error.
func Build(pkg string, flags ...string) (bin string, remove func()) {
	dir, err := os.MkdirTemp("", "injectkit-bin")
	if err != nil {
		panic(err)
	}
	name := filepath.Base(pkg)
	if abs, err := filepath.Abs(pkg); err == nil && (pkg == "." || pkg == "./") {
		name = filepath.Base(abs) // the directory's name, as go build names it
	}
	bin = filepath.Join(dir, name)
	args := append(append([]string{"build", "-race"}, flags...), "-o", bin, pkg)
	build := exec.Command("go", args...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		_ = os.RemoveAll(dir)
		panic("build " + pkg + ": " + err.Error())
	}
	return bin, func() { _ = os.RemoveAll(dir) }
}

// Integration skips an integration test under -short, and when one of the
// commands it runs (nmap, say) is not installed.
func Integration(t testing.TB, commands ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("integration test: %s is not installed", c)
		}
	}
}
