package cli

import (
	"context"
	"fmt"

	"github.com/injectkit/injectkit/transport/outbox"
)

// How the outbox commands meet the first interrupt (SIGINT, SIGTERM or
// SIGHUP) while they wait on the file: each stops at once (exit 130),
// saying what was not done; a second signal exits at once (Abort.ExitSays).

// openInterruptibly returns what open returns (an outbox opened, which
// may wait for another process's lock), unless ctx ends first (the first
// interrupt): then an exit 130 saying that the opening of the outbox at
// path was interrupted, and what was not done; the store the abandoned
// open returns is closed when it completes.
func openInterruptibly(ctx context.Context, path, nothing string, open func() (*outbox.Store, error)) (*outbox.Store, error) {
	type opened struct {
		store *outbox.Store
		err   error
	}
	done := make(chan opened, 1)
	go func() {
		s, err := open()
		done <- opened{s, err}
	}()
	select {
	case r := <-done:
		return r.store, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // opened meanwhile: the command goes on
			return r.store, r.err
		default:
		}
		go func() {
			if r := <-done; r.store != nil {
				r.store.Close()
			}
		}()
		return nil, &ExitError{Code: ExitInterrupted,
			Err: fmt.Errorf("interrupted while opening outbox %s: %s: %w", path, nothing, context.Cause(ctx))}
	}
}

// outboxExitSays is what a second signal, exiting at once, does to the
// outbox command name (see Abort.ExitSays): run's line, which says the
// signatures not yet stored are lost, is not true of a command that sends
// or changes only what the outbox holds.
func outboxExitSays(name string) string {
	switch name {
	case "list":
		return "the outbox is unchanged (outbox list only reads it)"
	case "flush", "retry-dead":
		return "nothing more is sent: the bodies not delivered stay in the outbox, pending, one whose POST was in flight " +
			"counted as an attempt that got no answer (the backend may have received it) (see: injectkit outbox list)"
	}
	return "the outbox holds what its last change left: each change is made whole or not at all (see: injectkit outbox list)"
}

// readInterruptibly runs read, a read of e's outbox before anything was
// written (outbox list's counts: Stats walks every page of the records, a
// dozen seconds for a million bodies), unless ctx ends first (the first
// interrupt): then an exit 130 saying what was interrupted, the read left
// to end with the process (e is abandoned: its close would wait for it).
func (e *outboxEnv) readInterruptibly(ctx context.Context, what string, read func() error) error {
	done := make(chan error, 1)
	go func() { done <- read() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // read meanwhile: the command goes on
			return err
		default:
		}
		e.abandoned = true
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("%s interrupted: nothing listed; %s: %w", what, outboxExitSays("list"), context.Cause(ctx))}
	}
}
