package cli_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
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
	file := filepath.Join(t.TempDir(), "outbox.db")
	store, err := outbox.Open(file, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.Put(outbox.Entry{InjectID: "i-1", Phase: openaev.ActionComplete, TotalChunks: 1, BaseURL: platform.URL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-1",
		Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_duration":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	// Kept by an earlier daemon, due now.
	if err := store.MarkFailed(recs[0].ID, 4, "status 503", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
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
