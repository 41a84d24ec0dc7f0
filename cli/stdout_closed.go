package cli

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// errStdoutClosed is every write to a stdout the process started without
// (`>&-`): the write a C program would have failed with EBADF.
var errStdoutClosed = fmt.Errorf("write /dev/stdout: closed when the command started (>&-): %w", syscall.EBADF)

// closedStdout stands for a stdout the process started without: each
// write fails, so that a command whose output it was says so and exits by
// the one rule of stdoutExit, as for a full disk.
type closedStdout struct{}

func (closedStdout) Write([]byte) (int, error) { return 0, errStdoutClosed }

// processStdout is the process's stdout for Main: os.Stdout, or
// closedStdout when the process started with it closed. Go's runtime
// gives such a process /dev/null in its place, opened read and write, so
// that its writes succeed and go nowhere: a dry run printed nothing and
// exited 0. A shell's `>/dev/null` opens it write-only, and stays a
// stdout whose output is discarded on purpose.
func processStdout() io.Writer {
	if stdoutClosedAtStart(os.Stdout) {
		return closedStdout{}
	}
	return os.Stdout
}
