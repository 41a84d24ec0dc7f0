package cli

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// serve's platform client keeps a connection per worker: workers posting
// callbacks one after the other at the same time reuse their connections
// instead of dialling one for most requests (the transport keeps 2 idle
// connections per host by default).
func TestServeReusesConnections(t *testing.T) {
	const workers, each = 16, 20
	var dials atomic.Int64
	// Each request is answered once every worker has one in flight: all
	// of them need a connection at the same time, in every round.
	var mu sync.Mutex
	arrived, round := 0, make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrived++
		this := round
		if arrived == workers {
			close(round)
			arrived, round = 0, make(chan struct{})
		}
		mu.Unlock()
		<-this
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc, err := openaev.DefaultServeOptions().HTTPClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	keepConnections(hc, workers)
	// Round after round, every worker posts once; the connections come
	// back to the client before the next round asks for them.
	for range each {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				resp, err := hc.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			})
		}
		wg.Wait()
	}
	// A connection per worker (a few more if a dial races a connection
	// coming back), not one per request.
	if n := dials.Load(); n > 2*workers {
		t.Errorf("%d connections for %d requests from %d workers", n, workers*each, workers)
	}
}
