package cli_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/cli"
)

// serve whose listen address is taken cannot start (exit 1) and sends
// nothing: the outbox's resender, which resends the terminal callbacks
// an earlier daemon kept, starts only once the address is bound. It
// started before, and a daemon that never ran posted a stored callback,
// or cut its post short on the way out, the platform maybe receiving it.
func TestServeListenAddrTakenSendsNothing(t *testing.T) {
	var requests atomic.Int32
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer platform.Close()
	file := keptComplete(t, platform.URL)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	r := run(t, registry(), map[string]string{"INJECTKIT_OUTBOX": file}, "serve", "--openaev-url", platform.URL,
		"--token", serveToken, "--injector-id", injectorID, "--injectors", "noop", "--listen-addr", taken.Addr().String())
	if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, "listen on "+taken.Addr().String()) {
		t.Fatalf("exit %d, want 1 naming the listen address taken:\n%s", r.code, r.stderr)
	}
	if n := requests.Load(); n != 0 || strings.Contains(r.stderr, "outbox body") {
		t.Errorf("%d requests to the platform from a daemon that could not start, want none:\n%s", n, r.stderr)
	}
}
