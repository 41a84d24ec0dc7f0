package cmdkit

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// UsageError is a bad flag or argument of a command: Main exits 2 on one.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e UsageError) Unwrap() error { return e.Err }

// ExitCode is the exit status of a command whose run returned err: 0 for
// nil or a help request (flag.ErrHelp in its chain: -h or --help, whose
// usage the command's FlagSet printed), 2 for a UsageError in its chain,
// 1 for any other.
func ExitCode(err error) int {
	var ue UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// Main runs run under a context SIGINT or SIGTERM cancels, and exits when
// it returns an error: the error written to stderr after name, the status
// ExitCode's. A help request (-h, --help: the usage printed) is no error:
// nothing more is written, exit 0. A command's main is this one call.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); ExitCode(err) != 0 {
		fmt.Fprintln(os.Stderr, name+":", err)
		stop()
		os.Exit(ExitCode(err))
	}
}
