//go:build unix

package testkit

import (
	"os"
	"os/signal"
	"syscall"
)

// DefaultHangup gives SIGHUP its default action (the process ends) in the
// processes the tests start from now on, when this one was started with it
// ignored: under `nohup go test`, or a CI runner that ignores it. An
// ignored signal stays ignored across exec, and cli.Main keeps a SIGHUP
// ignored at its start ignored (nohup's contract), so a binary a test
// stops with SIGHUP never stopped: the test failed after its stop's
// timeout, or hung until go test's. A signal this process handles is
// reset to its default by exec: this process handles SIGHUP from now on,
// discarding it, as it ignored it. A test run with SIGHUP not ignored is
// left as it is.
func DefaultHangup() {
	if signal.Ignored(syscall.SIGHUP) {
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
}
