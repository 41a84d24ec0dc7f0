// Command shodan-standin serves the Shodan host search stand-in of package
// shodantest on a loopback address, for demos and manual runs of the query
// injector that must not reach api.shodan.io. It enforces Shodan's rules
// (see package shodantest), its rate of one request a second per key
// (-min-interval), its query credits (-query-credits) and the count
// without banners of a filter the key's plan withholds (-withhold) included.
//
// -addr 127.0.0.1:0 listens on a free port; -url-file FILE writes its base
// URL (http://127.0.0.1:PORT) to FILE once it listens, at once, so that a
// script polling for the file never reads it half written. SIGTERM or
// SIGINT stops it, exit 0. Build it first: a `go run` in the background is
// still compiling when the next command of a script starts.
//
//	go build -o bin/shodan-standin ./injectors/query/shodantest/cmd/shodan-standin
//	bin/shodan-standin -addr 127.0.0.1:0 -url-file /tmp/shodan.url -key demo-key &
//	for i in $(seq 100); do [ -s /tmp/shodan.url ] && break; sleep 0.1; done
//	INJECTKIT_SHODAN_BASE_URL="$(cat /tmp/shodan.url)" INJECTKIT_SHODAN_API_KEY=demo-key \
//	  injectkit run query --inject-file inject.json
//
// The query injector's README runs it so (its Example).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/cmdkit"
)

func main() {
	cmdkit.Main("shodan-standin", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stderr) })
}

// run serves the stand-in until ctx ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("shodan-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8089", "loopback address to listen on (port 0: a free port)")
	urlFile := fs.String("url-file", "", "write the stand-in's base URL (http://127.0.0.1:PORT) to this file once it listens")
	key := fs.String("key", "demo-key", "API key the stand-in accepts")
	minInterval := fs.Duration("min-interval", shodantest.DefaultMinInterval,
		"least time between two requests of the key (Shodan's rate); 0 answers every request")
	credits := fs.Int("query-credits", -1,
		"query credits of the key (a filter or a page past the first costs one); negative: no limit")
	withhold := fs.String("withhold", "",
		"filters (comma-separated: ip,hostname) whose searches get a count and no banners, as for a key whose plan does not cover them")
	free := fs.Bool("free-plan", false, "a key without a paid plan: a filter or a page past the first gets 401 \"Please upgrade your API plan …\"")
	if err := fs.Parse(args); err != nil {
		return cmdkit.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return cmdkit.UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *minInterval < 0 {
		return cmdkit.UsageError{Err: fmt.Errorf("invalid -min-interval %q: must not be negative", minInterval.String())}
	}
	if err := cmdkit.CheckLoopback(*addr); err != nil {
		return cmdkit.UsageError{Err: fmt.Errorf("invalid -addr %q: %w", *addr, err)}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	h := shodantest.NewHandler(*key)
	h.SetMinInterval(*minInterval)
	h.SetQueryCredits(*credits)
	h.SetFreePlan(*free)
	if *withhold != "" {
		h.Withhold(strings.Split(*withhold, ",")...)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	if *urlFile != "" {
		if err := cmdkit.WriteFile(*urlFile, url); err != nil {
			srv.Close()
			return err
		}
	}
	fmt.Fprintf(stderr, "shodan stand-in on %s (key %q)\n", url, *key)
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
