package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// The outbox gauges come from the file: a daemon started over an outbox
// an earlier one left (a body pending, one refused for good, the platform
// still down) exports them on its first scrape of /metrics, over
// loopback, before any registration succeeded: an alert on pending bodies
// does not reset to 0 at each restart.
func TestServeOutboxGaugesRightAfterARestart(t *testing.T) {
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer platform.Close()
	file := keptComplete(t, platform.URL) // i-1's complete, pending
	store, err := outbox.Open(file, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := store.Put(outbox.Entry{InjectID: "i-2", Phase: openaev.ActionComplete, TotalChunks: 1, BaseURL: platform.URL,
		Profile: openaev.ProfileName, Path: "/api/injects/execution/callback/i-2",
		Body: []byte(`{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete","execution_duration":1}`)})
	if err == nil {
		err = store.MoveToDead(recs[0].ID, 1, http.StatusBadRequest, `{"message":"refused"}`, "status 400")
	}
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.Usage()
	if err != nil || u.Bytes == 0 {
		t.Fatalf("usage %+v, %v", u, err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	stderr, stop := serveRun(t, map[string]string{"INJECTKIT_OUTBOX": file}, "--openaev-url", platform.URL, "--token", serveToken,
		"--injector-id", injectorID, "--injectors", "noop", "--listen-addr", "127.0.0.1:0", "--log-format", "json")
	defer stop()
	waitUntil(t, "the HTTP server", func() bool { return len(jsonLogs(stderr.String(), "serving /healthz and /metrics")) == 1 })
	text := string(scrapeMetrics(t, stderr.String()))
	for _, want := range []string{
		`injectkit_outbox_bodies{state="pending"} 1`,
		`injectkit_outbox_bodies{state="dead"} 1`,
		fmt.Sprintf("injectkit_outbox_bytes %d\n", u.Bytes),
		`injectkit_heartbeats_total{result="ok"} 0`, // no registration yet: the platform is down
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, text)
		}
	}
}
