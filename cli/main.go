package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// exitWait bounds what an exit at once waits for (see Abort.Exiting).
const exitWait = 5 * time.Second

// sameSignal is how long after a first signal a repeat of it is that one
// signal delivered twice, not a second one (see settleRepeats).
const sameSignal = 100 * time.Millisecond

// Main is the whole of a binary's main but for os.Exit: it runs the
// application on os.Args over os.Stdout and os.Stderr (unless o gives
// others) and returns the process exit code, for main to exit with at
// once:
//
//	func main() { os.Exit(cli.Main(o)) }
//
// It owns the process's signals. The first SIGINT, SIGTERM or SIGHUP
// (the terminal closed, or a supervisor's reload: its default would end
// the process, a run's inject lost, serve's injects in flight not
// requeued; a SIGHUP the process started with ignored, under nohup,
// stays ignored) stops the command gracefully ("NAME: terminated: stopping
// gracefully (send it again to exit now)"): a run that reads its input
// exits ExitInterrupted, one whose injector runs delivers a timeout
// (ExitFailed), serve stops taking injects and finishes those in flight.
// A second one fires o.Abort (made here when nil): a run sending its
// signatures keeps every body not delivered in the outbox and exits
// ExitInterrupted on its own, and a third one exits at once; when no send
// holds the abort, the second exits ExitInterrupted at once, saying what
// that abandons (what the command registered with Abort.ExitSays: serve's
// injects in flight go back to the queue), once what the
// command registered with Abort.OnExit is done (serve removes the start
// records of its injects in flight), at most after a few seconds or a
// further signal. A repeat of the first signal within sameSignal of it
// is that signal delivered twice (see settleRepeats), not a second one.
func Main(o Options) int {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Abort == nil {
		o.Abort = NewAbort()
	}
	o.Abort.name = o.name()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 3)
	signal.Notify(sigs, handled()...)
	defer signal.Stop(sigs)
	exit := make(chan int, 2)
	go onSignals(o, cancel, sigs, exit)
	go func() { exit <- Run(ctx, o, os.Args) }()
	return <-exit
}

// handled returns the signals Main handles: SIGINT, SIGTERM, and SIGHUP
// unless the process was started with it ignored (nohup): handling it
// would undo that (Go's signal.Notify installs a handler for an ignored
// SIGHUP), and the terminal's close would stop a serve or a run that
// nohup was asked to keep going.
func handled() []os.Signal {
	sigs := []os.Signal{syscall.SIGINT, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// settleRepeats waits sameSignal after the first signal, first, dropping its
// repeats: GNU timeout delivers its signal twice, to the command and then
// to its whole process group (a fraction of a millisecond apart), and a
// run under "timeout 10m" took the repeat for a second signal, exiting at
// once with its signatures lost. It returns another signal sigs gives
// meanwhile (ok), the second one, at once. The notice that asks for a
// second signal is written only once it returns, so that a repeat sent
// after it was read is a second signal.
func settleRepeats(sigs <-chan os.Signal, first os.Signal) (other os.Signal, ok bool) {
	wait := time.NewTimer(sameSignal)
	defer wait.Stop()
	for {
		select {
		case s := <-sigs:
			if s != first {
				return s, true
			}
		case <-wait.C:
			return nil, false
		}
	}
}

// onSignals handles the signals sigs receives as Main says, cancelling
// the command's context at the first, and sends ExitInterrupted on exit
// when the process must exit at once.
func onSignals(o Options, cancel context.CancelFunc, sigs <-chan os.Signal, exit chan<- int) {
	abort, w := o.Abort, o.Stderr
	s := <-sigs
	again, ok := settleRepeats(sigs, s)
	abort.notice(w, fmt.Sprintf("%s: stopping gracefully (send it again to exit now)", s))
	cancel()
	if s = again; !ok {
		s = <-sigs
	}
	held := abort.Fire()
	lost := ""
	if !held {
		lost = abort.abandoned()
	}
	switch {
	case held:
		// A run sending its signatures stops posting, stores what it has
		// not (or prints it: no outbox, or no room in it), and exits 130
		// on its own.
		abort.notice(w, fmt.Sprintf("%s again: sending stops; the bodies not delivered are being kept in the outbox, or printed when there is none or it has no room for them (send it a third time to exit at once)", s))
		s = <-sigs
		abort.notice(w, o.rename(fmt.Sprintf("%s a third time: exiting now; bodies not yet stored are lost (see: injectkit outbox list)", s)))
	case lost != "":
		// A send that ignores the abort is in flight (an openaev rejection
		// without an outbox): it is abandoned.
		abort.notice(w, fmt.Sprintf("%s again: exiting now; %s", s, lost))
	case abort.exitSaid() != "":
		// The command says what exiting now does to its work (serve).
		abort.notice(w, o.rename(fmt.Sprintf("%s again: exiting now; %s", s, abort.exitSaid())))
	default:
		// No send holds the abort: nothing is being sent now. Only what an
		// earlier send stored is kept (there may be no outbox at all).
		abort.notice(w, o.rename(fmt.Sprintf("%s again: exiting now; nothing more is sent: bodies already stored in an outbox stay there (see: injectkit outbox list), signatures not yet stored are lost", s)))
	}
	ctx, stop := context.WithTimeout(context.Background(), exitWait)
	go func() {
		select {
		case <-sigs:
			stop()
		case <-ctx.Done():
		}
	}()
	abort.Exiting(ctx)
	stop()
	exit <- ExitInterrupted
}
