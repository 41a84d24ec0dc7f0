// Command injectkit runs attack-simulation injectors and reports their
// expectation signatures. See `injectkit --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/injectkit/injectkit/cli"
)

// version, commit and goVersion are stamped at build time
// (-ldflags "-X main.version=… -X main.commit=… -X main.goVersion=…"; see
// make build and make release) and printed by `injectkit version`; an
// empty goVersion is the running binary's runtime.Version().
var (
	version   = "dev"
	commit    = "unknown"
	goVersion = ""
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "injectkit: %s: stopping gracefully (send it again to exit now)\n", s)
		cancel()
		<-sigs
		os.Exit(130)
	}()
	code := cli.Run(ctx, cli.Options{Registry: registry(), Version: version, Commit: commit, GoVersion: goVersion,
		Stdout: os.Stdout, Stderr: os.Stderr}, os.Args)
	cancel()
	os.Exit(code)
}
