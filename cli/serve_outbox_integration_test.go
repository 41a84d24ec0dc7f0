package cli_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// injectkit serve --outbox with the platform refusing an inject's terminal
// callback for a while: the message is acknowledged once the callback is
// stored, and the background resender delivers the same bytes later.
func TestIntegrationServeOutbox(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	p := openaevtest.NewPlatform(t, serveToken)
	queue := servetest.PlatformQueue(t, p)
	p.AddInject("i-down", openaev.ContractID("noop"))
	p.FailComplete("i-down", http.StatusServiceUnavailable, 4) // every attempt of the first delivery
	box := filepath.Join(t.TempDir(), "outbox.db")

	stderr, stop := serveRun(t, nil, "--openaev-url", p.URL, "--token", serveToken, "--injector-id", injectorID,
		"--listen-addr", "127.0.0.1:0", "--workers", "1", "--log-format", "json", "--outbox", box, "--injectors", "noop")
	defer func() {
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	}()
	waitUntil(t, "a consumer on the queue", func() bool { _, c := servetest.Counts(t, queue); return c == 1 })
	servetest.Publish(t, queue, noopMessage(t, "i-down", nil))

	waitUntil(t, "the message acknowledged with its callback kept", func() bool {
		return len(jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged")) == 1
	})
	if kept := jsonLogs(stderr.String(), "terminal callback not delivered; kept in the outbox and acknowledged"); kept[0]["inject_id"] != "i-down" {
		t.Errorf("the kept line names inject %v, want i-down", kept[0]["inject_id"])
	}
	if ready, _ := servetest.Counts(t, queue); ready != 0 {
		t.Errorf("%d messages back in the queue", ready)
	}
	var final openaevtest.Call
	var failed []openaevtest.Call
	waitUntil(t, "the resender to deliver", func() bool {
		failed = failed[:0]
		for _, c := range p.Calls("i-down") {
			switch {
			case c.Kind != openaevtest.KindComplete:
			case c.Accepted():
				final = c
			default:
				failed = append(failed, c)
			}
		}
		return final.Accepted()
	})
	// The platform records the call before the resender reads its answer:
	// stopping now could cancel the resend it has accepted.
	waitUntil(t, "the resender to settle the body", func() bool {
		return len(jsonLogs(stderr.String(), "outbox body delivered")) == 1
	})
	if len(failed) != 4 || !bytes.Equal(failed[0].Raw, final.Raw) {
		t.Errorf("%d refused attempts; resent bytes identical %v", len(failed), len(failed) > 0 && bytes.Equal(failed[0].Raw, final.Raw))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
	s, err := outbox.Open(box, outbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, _ := s.Stats(); st.Pending != 0 || st.Dead != 0 {
		t.Errorf("outbox not empty: %+v", st)
	}
	if strings.Contains(stderr.String(), serveToken) {
		t.Error("token leaked to the logs")
	}
}
