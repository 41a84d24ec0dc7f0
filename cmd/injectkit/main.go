// Command injectkit runs attack-simulation injectors and reports their
// expectation signatures. See `injectkit --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/injectkit/injectkit/cli"
)

// version, commit and goVersion are stamped at build time
// (-ldflags "-X main.version=… -X main.commit=… -X main.goVersion=…"; see
// make build and make release) and printed by `injectkit version`; an
// empty goVersion is the running binary's runtime.Version(). A binary
// built without them (go install …@v1.2.3, go build in a checkout) takes
// them from the build information the go command records (see buildStamp).
var (
	version   = "dev"
	commit    = "unknown"
	goVersion = ""
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	abort := cli.NewAbort()
	sigs := make(chan os.Signal, 3)
	// SIGHUP (the terminal closed, or a supervisor's reload) stops as
	// SIGTERM does: its default would end serve at once, the injects in
	// flight not requeued.
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		abort.Notice(os.Stderr, fmt.Sprintf("%s: stopping gracefully (send it again to exit now)", s))
		cancel()
		s = <-sigs
		if abort.Fire() {
			// A run sending its signatures stops posting, stores what it
			// has not (or prints it: no outbox, or no room in it), and
			// exits 130 on its own.
			abort.Notice(os.Stderr, fmt.Sprintf("%s again: sending stops; the bodies not delivered are being kept in the outbox, or printed when there is none or it has no room for them (send it a third time to exit at once)", s))
			s = <-sigs
			abort.Notice(os.Stderr, fmt.Sprintf("%s a third time: exiting now; bodies not yet stored are lost (see: injectkit outbox list)", s))
			exitNow(abort, sigs)
		}
		if lost := abort.Abandoned(); lost != "" {
			// A send that ignores the abort is in flight (an openaev
			// rejection without an outbox): it is abandoned.
			abort.Notice(os.Stderr, fmt.Sprintf("%s again: exiting now; %s", s, lost))
			exitNow(abort, sigs)
		}
		// No send holds the abort: nothing is being sent now. Only what an
		// earlier send stored is kept (there may be no outbox at all).
		abort.Notice(os.Stderr, fmt.Sprintf("%s again: exiting now; nothing more is sent: bodies already stored in an outbox stay there (see: injectkit outbox list), signatures not yet stored are lost", s))
		exitNow(abort, sigs)
	}()
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		v, c = buildStamp(v, c, bi)
	}
	code := cli.Run(ctx, cli.Options{Registry: registry(), Version: v, Commit: c, GoVersion: goVersion,
		Stdout: os.Stdout, Stderr: os.Stderr, Abort: abort}, os.Args)
	cancel()
	os.Exit(code)
}

// exitWait bounds what exitNow waits for before it exits.
const exitWait = 5 * time.Second

// exitNow exits 130 once what the command must do before it exits at once
// is done (serve's removal of the start records of its injects in flight:
// see cli.Abort.OnExit), or after exitWait, or at a further signal.
func exitNow(abort *cli.Abort, sigs <-chan os.Signal) {
	ctx, cancel := context.WithTimeout(context.Background(), exitWait)
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-ctx.Done():
		}
	}()
	abort.Exiting(ctx)
	os.Exit(130)
}

// buildStamp fills what -ldflags left at its default from bi: the module
// version go install records, and the VCS revision go build records in a
// checkout (with "-dirty" when the tree had changes).
func buildStamp(version, commit string, bi *debug.BuildInfo) (string, string) {
	if v := bi.Main.Version; version == "dev" && v != "" && v != "(devel)" {
		version = v
	}
	if commit != "unknown" {
		return version, commit
	}
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if dirty && commit != "unknown" {
		commit += "-dirty"
	}
	return version, commit
}
