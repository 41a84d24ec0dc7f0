package testkit

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// boundParent, set in the environment, makes TestStartBoundChildEndsWithTheBinary
// the test binary that dies: it starts a child with Start and exits without
// its cleanups, as a go test -timeout panic ends a binary.
const boundParent = "TESTKIT_BOUND_PARENT"

// A child started with Start (a serve daemon, a RabbitMQ node) ends when
// the test binary dies without its cleanups. Before, it went on running,
// reparented to init: a daemon consuming its queue on the shared broker,
// the test's platform gone, the queue and its messages held for ever.
func TestStartBoundChildEndsWithTheBinary(t *testing.T) {
	if os.Getenv(boundParent) == "1" {
		c := exec.Command("sleep", "3600")
		c.ExtraFiles = []*os.File{os.NewFile(3, "held")} // the test's pipe: EOF once the child is gone too
		p := Start(t, c)
		os.Stdout.WriteString("child " + strconv.Itoa(p.Cmd.Process.Pid) + "\n")
		os.Exit(0) // no cleanup: Start's kill never runs
	}
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parent := exec.Command(os.Args[0], "-test.run=^TestStartBoundChildEndsWithTheBinary$", "-test.count=1")
	parent.Env = append(os.Environ(), boundParent+"=1")
	parent.ExtraFiles = []*os.File{w}
	var out bytes.Buffer
	parent.Stdout, parent.Stderr = &out, &out
	err = parent.Run()
	w.Close()
	pid, perr := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(out.String()), "child "))
	if err != nil || perr != nil {
		t.Fatalf("the dying binary: %v; output %q", err, out.String())
	}
	// The pipe's last writer is the child: its EOF is the child's end.
	gone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, r)
		close(gone)
	}()
	select {
	case <-gone:
	case <-time.After(time.Minute):
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("child %d still running a minute after the test binary that started it died", pid)
	}
}
