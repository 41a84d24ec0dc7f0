// Command shodan-standin serves the Shodan host search stand-in of package
// shodantest on a loopback address, for demos and manual runs of the query
// injector that must not reach api.shodan.io. It enforces Shodan's rules
// (see package shodantest), its rate of one request a second per key
// (-min-interval) and its query credits (-query-credits) included:
//
//	go run ./injectors/query/shodantest/cmd/shodan-standin -addr 127.0.0.1:8089 -key demo-key &
//	INJECTKIT_SHODAN_BASE_URL=http://127.0.0.1:8089 INJECTKIT_SHODAN_API_KEY=demo-key \
//	  injectkit run query --inject-file inject.json
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/internal/cmdkit"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "loopback address to listen on")
	key := flag.String("key", "demo-key", "API key the stand-in accepts")
	minInterval := flag.Duration("min-interval", shodantest.DefaultMinInterval,
		"least time between two requests of the key (Shodan's rate); 0 answers every request")
	credits := flag.Int("query-credits", -1,
		"query credits of the key (a filter or a page past the first costs one); negative: no limit")
	flag.Parse()
	if *minInterval < 0 {
		fmt.Fprintf(os.Stderr, "shodan-standin: invalid -min-interval %q: must not be negative\n", minInterval.String())
		os.Exit(2)
	}
	if err := cmdkit.CheckLoopback(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "shodan-standin: invalid -addr %q: %v\n", *addr, err)
		os.Exit(2)
	}
	h := shodantest.NewHandler(*key)
	h.SetMinInterval(*minInterval)
	h.SetQueryCredits(*credits)
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("shodan stand-in on http://%s (key %q)", *addr, *key)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
