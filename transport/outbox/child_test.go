package outbox

import (
	"io"
	"os"
	"os/exec"
	"testing"
)

// StartChild starts this test binary running the test named test alone,
// env (NAME=value) added to its environment, its standard input held open
// and the process killed at the end of t, and returns it with its
// standard output: the kill tests' children say on it how far they got.
func StartChild(t *testing.T, test, env string) (*exec.Cmd, io.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), env)
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, out
}
