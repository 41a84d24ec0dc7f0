// Command shodan-standin serves the Shodan host search stand-in of package
// shodantest on a loopback address, for demos and manual runs of the query
// injector that must not reach api.shodan.io:
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
	flag.Parse()
	if err := cmdkit.CheckLoopback(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "shodan-standin: invalid -addr %q: %v\n", *addr, err)
		os.Exit(2)
	}
	srv := &http.Server{Addr: *addr, Handler: shodantest.NewHandler(*key), ReadHeaderTimeout: 10 * time.Second}
	log.Printf("shodan stand-in on http://%s (key %q)", *addr, *key)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
